// @mention autocomplete for textareas marked data-mentions="<suggestions url>".
// With data-mentions-bare (on a textarea or an input holding a list of people, e.g. a space's
// invitations) the word being typed is completed without "@" and the choice ends with ", ".
// Suggestions are JSON {"items": [{username, name}]} or <option value="username">name</option>s
// (/people/autocomplete/). Keyboard: ArrowDown/ArrowUp choose, Enter or Tab insert, Escape closes.
// Works without it too. The name typed after "@" may hold letters of any script ("@Zoé"), as
// the server's parser (cercle.core.text) reads it.
(() => {
  const isBare = (area) => area.hasAttribute("data-mentions-bare");
  const wordBeforeCaret = (area) => {
    const upto = area.value.slice(0, area.selectionStart);
    const match = isBare(area)
      ? /(^|[\s,;])@?([^\s,;@]{2,50})$/.exec(upto)
      : /(^|[\s(\[«"'])@([\p{L}\p{M}\p{N}_.+'’-]{1,50})$/u.exec(upto);
    return match ? match[2] : null;
  };
  const readItems = async (response) => {
    if ((response.headers.get("Content-Type") || "").includes("json")) return (await response.json()).items;
    const doc = new DOMParser().parseFromString(`<select>${await response.text()}</select>`, "text/html");
    return [...doc.querySelectorAll("option")].map((o) => ({ username: o.value, name: o.textContent.trim() }));
  };
  const setup = (area) => {
    const list = document.createElement("ul");
    list.className = "mention-list";
    list.id = `${area.id}-mentions`;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    area.after(list);
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", list.id);
    let items = [];
    let active = -1;
    let timer = null;
    const close = () => { list.hidden = true; items = []; active = -1; area.removeAttribute("aria-activedescendant"); };
    const render = () => {
      list.replaceChildren(...items.map((person, i) => {
        const li = document.createElement("li");
        li.id = `${list.id}-${i}`;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", String(i === active));
        li.textContent = `${person.name} (@${person.username})`;
        li.addEventListener("mousedown", (event) => { event.preventDefault(); insert(person); });
        return li;
      }));
      list.hidden = items.length === 0;
      if (active >= 0) area.setAttribute("aria-activedescendant", `${list.id}-${active}`);
    };
    const insert = (person) => {
      const caret = area.selectionStart;
      const before = isBare(area)
        ? area.value.slice(0, caret).replace(/@?[^\s,;@]*$/, `${person.username}, `)
        : area.value.slice(0, caret).replace(/@[\p{L}\p{M}\p{N}_.+'’-]*$/u, `@${person.username} `);
      area.value = before + area.value.slice(caret);
      area.selectionStart = area.selectionEnd = before.length;
      close();
      area.focus();
    };
    area.addEventListener("input", () => {
      clearTimeout(timer);
      const word = wordBeforeCaret(area);
      if (!word) { close(); return; }
      timer = setTimeout(async () => {
        const response = await fetch(`${area.dataset.mentions}?q=${encodeURIComponent(word)}`, { credentials: "same-origin" });
        if (!response.ok) return;
        items = await readItems(response);
        active = items.length ? 0 : -1;
        render();
      }, 150);
    });
    // Capture phase: runs before the page's own Enter handler (the chat composer sends on Enter),
    // which then sees `defaultPrevented` when a suggestion was chosen.
    area.addEventListener("keydown", (event) => {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        active = (active + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
        render();
      } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
        event.preventDefault();
        insert(items[active]);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    }, true);
    area.addEventListener("blur", () => setTimeout(close, 100));
  };
  const init = () => document.querySelectorAll("textarea[data-mentions], input[data-mentions]").forEach(setup);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
