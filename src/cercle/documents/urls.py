from django.urls import path, re_path

from cercle.documents import dav, views

urlpatterns = [
    # WebDAV (`documents/dav.py`): every method, every path below /dav/files/, and below /dav/
    # (the first address, kept for the clients set up with it).
    re_path(r"^dav/files(?P<path>/.*)?$", dav.dav_view, name="documents_dav"),
    re_path(r"^dav(?P<path>/.*)?$", dav.dav_view, name="documents_dav_legacy"),
    path("spaces/<slug:slug>/documents/", views.space_documents, name="documents_space"),
    path("documents/", views.my_documents, name="documents_mine"),
    path("documents/shared/", views.shared_with_me, name="documents_shared"),
    path("documents/<str:kind>/<int:item_id>/share", views.share, name="documents_share"),
    path(
        "documents/shares/<int:share_id>/revoke", views.revoke_share, name="documents_revoke_share"
    ),
    path("documents/folders/<int:folder_id>/", views.folder, name="documents_folder"),
    path("documents/folders/<int:folder_id>/upload", views.upload, name="documents_upload"),
    path("documents/folders/<int:folder_id>/new", views.new_folder, name="documents_new_folder"),
    path("documents/folders/<int:folder_id>/search/", views.search, name="documents_search"),
    path("documents/<str:kind>/<int:item_id>/rename", views.rename, name="documents_rename"),
    path("documents/<str:kind>/<int:item_id>/move", views.move, name="documents_move"),
    path("documents/<str:kind>/<int:item_id>/delete", views.delete, name="documents_delete"),
    path("documents/files/<int:document_id>/", views.document, name="documents_file"),
    path("documents/files/<int:document_id>/download", views.download, name="documents_download"),
    path("documents/files/<int:document_id>/view", views.view, name="documents_view"),
    path(
        "documents/files/<int:document_id>/thumbnail", views.thumbnail, name="documents_thumbnail"
    ),
    path(
        "documents/files/<int:document_id>/comments",
        views.comment,
        name="documents_comment",
    ),
    path(
        "documents/files/<int:document_id>/comments/<int:comment_id>/edit",
        views.edit_comment,
        name="documents_comment_edit",
    ),
    path(
        "documents/files/<int:document_id>/comments/<int:comment_id>/delete",
        views.delete_comment,
        name="documents_comment_delete",
    ),
    path("documents/files/<int:document_id>/lock", views.lock, name="documents_lock"),
    path("documents/files/<int:document_id>/unlock", views.unlock, name="documents_unlock"),
    path(
        "documents/files/<int:document_id>/version",
        views.new_version,
        name="documents_new_version",
    ),
    path(
        "documents/files/<int:document_id>/versions/<int:number>/restore",
        views.restore_version,
        name="documents_restore_version",
    ),
    path(
        "documents/versions/<int:version_id>/download",
        views.download_version,
        name="documents_download_version",
    ),
    path("documents/libraries/<int:library_id>/trash/", views.trash, name="documents_trash"),
    path(
        "documents/trash/<str:kind>/<int:item_id>/restore",
        views.restore,
        name="documents_restore",
    ),
]
