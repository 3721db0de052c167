// Wagtail issue 14205: the rich text editor's textbox (Draftail's contenteditable) has no
// accessible name, because its field's <label> points at the hidden input it replaces.
// Name each one by its field's label, as soon as the editor appears.
(function () {
  function nameEditors() {
    var boxes = document.querySelectorAll(
      '[contenteditable="true"][role="textbox"]:not([aria-labelledby]):not([aria-label])');
    boxes.forEach(function (box) {
      var field = box.closest('.w-field, [data-field]');
      var input = field && field.querySelector('input[id]');
      var label = input && (document.querySelector('label[for="' + input.id + '"]') ||
                            field.querySelector('label'));
      if (!label) return;
      if (!label.id) label.id = (label.htmlFor || 'champ-' + Math.random().toString(36).slice(2)) + '-label';
      box.setAttribute('aria-labelledby', label.id);
    });
  }
  new MutationObserver(nameEditors).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('DOMContentLoaded', nameEditors);
})();
