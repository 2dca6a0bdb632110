// Tag autocomplete for the posting forms (progressive enhancement: the form works without
// it). Each input with data-tag-kind holds comma-separated tags; as the last tag is typed,
// its <datalist> is filled with existing tags of that kind, each offered as the whole new
// value of the field (the tags before it kept).
"use strict";
(function () {
  var inputs = document.querySelectorAll("input[data-tag-kind][list]");
  Array.prototype.forEach.call(inputs, function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) {
      return;
    }
    var timer = null;
    var asked = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var value = input.value;
        var cut = value.lastIndexOf(",");
        var head = cut >= 0 ? value.slice(0, cut + 1) + " " : "";
        var typed = value.slice(cut + 1).trim();
        if (typed.length < 2 || typed === asked) {
          return;
        }
        asked = typed;
        var url = "/api/v1/tags/autocomplete?kind=" + encodeURIComponent(input.dataset.tagKind) +
          "&q=" + encodeURIComponent(typed);
        fetch(url, { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (tags) {
            while (list.firstChild) {
              list.removeChild(list.firstChild);
            }
            tags.forEach(function (tag) {
              var option = document.createElement("option");
              option.value = head + tag.name;
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 200);
    });
  });
})();
