// The query page: pick a named query as an example. No other script runs on these pages.
document.addEventListener("DOMContentLoaded", () => {
  const select = document.getElementById("examples");
  const editor = document.getElementById("query");
  if (!select || !editor) return;
  select.addEventListener("change", () => {
    for (const example of document.querySelectorAll("textarea.example")) {
      if (example.dataset.name === select.value) {
        editor.value = example.value;
      }
    }
  });
});
