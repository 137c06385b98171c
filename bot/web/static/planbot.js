// planbot web: small progressive enhancements; every form also works without JavaScript.
(function () {
  "use strict";
  function scrollToEnd() {
    var end = document.getElementById("end");
    if (end) { end.scrollIntoView({ block: "end" }); }
  }
  function setReply(id, text) {
    var field = document.getElementById("reply-to");
    var box = document.getElementById("replying");
    if (!field || !box) { return; }
    field.value = id || "";
    box.hidden = !id;
    box.querySelector("span").textContent = text ? text.slice(0, 80) : "";
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".reply-to").forEach(function (button) { button.hidden = false; });
    scrollToEnd();
    var text = document.getElementById("chat-text");
    if (text) {
      text.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          var form = document.getElementById("chat-form");
          if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
        }
      });
    }
    var cancel = document.getElementById("reply-cancel");
    if (cancel) { cancel.addEventListener("click", function () { setReply("", ""); }); }
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest(".reply-to") : null;
    if (!target) { return; }
    var message = target.closest(".msg");
    setReply(target.getAttribute("data-reply"), message ? message.querySelector(".text").textContent : "");
    var text = document.getElementById("chat-text");
    if (text) { text.focus(); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.id === "chat-form" && event.detail.successful) {
      form.querySelector("textarea").value = "";
      setReply("", "");
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll(".reply-to").forEach(function (button) { button.hidden = false; });
    scrollToEnd();
  });
})();
