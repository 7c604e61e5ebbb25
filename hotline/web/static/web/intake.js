// Alt + the key a button shows presses it: take a suggestion (1, 2, 3, T, U), register (S),
// register and answer (D). Browsers disagree on accesskey combinations, so this is done here.
document.addEventListener("keydown", function (event) {
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  const button = document.querySelector(`[data-key="${event.key.toLowerCase()}"]`);
  if (!button) return;
  event.preventDefault();
  button.click();
});
// A suggestion button sets the form field it names (keyboard users can Tab to it and press Enter).
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-set]");
  if (!button) return;
  const field = document.getElementById(button.dataset.set);
  field.value = button.dataset.value;
  if (button.dataset.article) document.getElementById("id_article").value = button.dataset.article;
  field.focus();
});
