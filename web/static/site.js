// Progressive enhancement only: every form works without this script.
(function () {
  "use strict";
  // Filters and year pickers apply as soon as they change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Ask before destructive actions.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // The application form: show the identity fields of the chosen applicant type, and the ways
  // of delivery that fit the chosen form.
  var type = document.getElementById("applicant_type");
  if (type) {
    var sync = function () {
      var value = type.value;
      var isOrg = value.indexOf("org_") === 0;
      document.querySelectorAll("[data-for]").forEach(function (block) {
        var forOrg = block.getAttribute("data-for") === "org";
        block.hidden = value !== "" && forOrg !== isOrg;
      });
    };
    type.addEventListener("change", sync);
    sync();
  }
  var deliveryForm = document.getElementById("delivery_form");
  var deliveryChannel = document.getElementById("delivery_channel");
  if (deliveryForm && deliveryChannel) {
    var filter = function () {
      var chosen = deliveryForm.value;
      Array.prototype.forEach.call(deliveryChannel.options, function (option) {
        if (!option.value) { return; }
        var fits = !chosen || (" " + option.getAttribute("data-forms")).indexOf(" " + chosen + " ") >= 0;
        option.hidden = !fits;
        option.disabled = !fits;
        if (!fits && option.selected) { deliveryChannel.value = ""; }
      });
    };
    deliveryForm.addEventListener("change", filter);
    filter();
  }
  // The receipt can be printed.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
}());
