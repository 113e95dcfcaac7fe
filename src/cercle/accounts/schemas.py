"""Input and output schemas of the people API (separate, so no model field leaks by accident).

Outputs are plain pydantic models built by the endpoints: ninja's Schema reads every field of
every nested object through a Django-aware getter, which costs more than the search itself on a
page of people.
"""

from __future__ import annotations

from ninja import Schema
from pydantic import BaseModel, Field


class MeOut(BaseModel):
    id: int
    username: str
    email: str
    display_name: str
    role: str


class RecordRef(BaseModel):
    id: int
    slug: str
    name: str


class PersonRef(BaseModel):
    id: int
    username: str
    display_name: str


class SkillRef(BaseModel):
    id: int
    name: str


class SkillBrief(BaseModel):
    skill_id: int
    name: str
    level: int
    level_label: str
    endorsement_count: int


class SkillOut(SkillBrief):
    endorsed_by_me: bool


class PersonSummaryOut(BaseModel):
    id: int
    username: str
    display_name: str
    job_title: str
    department: RecordRef | None
    site: RecordRef | None
    photo_url: str | None
    is_guest: bool
    top_skills: list[SkillBrief]


class PeoplePageOut(BaseModel):
    items: list[PersonSummaryOut]
    next_cursor: str | None
    # The order of the items: "name" or "recent" (newest first; also for a search too broad to
    # sort by name).
    sort: str


class PersonOut(BaseModel):
    id: int
    username: str
    display_name: str
    first_name: str
    last_name: str
    job_title: str
    department: RecordRef | None
    team: str
    site: RecordRef | None
    phone: str
    manager: PersonRef | None
    languages: list[str]
    bio: str
    bio_html: str
    ask_me_about: list[str]
    photo_url: str | None
    is_guest: bool
    deactivated: bool
    skills: list[SkillOut]
    followers_count: int
    following: bool
    direct_reports: list[PersonRef]


class ProfilePatchIn(Schema):
    """Only the fields sent are changed; `null` clears department, site or manager.

    `department` and `site`: a slug or an id; `manager`: a person's id or username.
    """

    first_name: str | None = Field(default=None, max_length=150)
    last_name: str | None = Field(default=None, max_length=150)
    job_title: str | None = Field(default=None, max_length=150)
    team: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=40)
    bio: str | None = Field(default=None, max_length=10_000)
    department: str | int | None = None
    site: str | int | None = None
    manager: str | int | None = None
    languages: list[str] | None = Field(default=None, max_length=12)
    ask_me_about: list[str] | None = Field(default=None, max_length=20)


class EndorsementOut(BaseModel):
    person_id: int
    skill_id: int
    skill: str
    endorsed: bool
    endorsement_count: int


class FollowOut(BaseModel):
    person_id: int
    following: bool
    followers_count: int


class ExpertOut(BaseModel):
    person: PersonSummaryOut
    level: int
    level_label: str
    endorsement_count: int
    reason: str
    # The skill they were found for (None: found by a spoken language, named in `language`).
    skill: SkillRef | None = None
    language: str = ""
    # Found by the exact name searched (ranked before matches of a word).
    exact: bool = False


class ExpertsPageOut(BaseModel):
    # The first skill matched (exact first); `skills`: every one, `languages`: their names.
    skill: SkillRef | None
    skills: list[SkillRef] = []
    languages: list[str] = []
    items: list[ExpertOut]
    next_cursor: str | None
    suggestions: list[SkillRef]
