// The API docs page: start Swagger UI with the settings the page carries as JSON.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-ui-config").textContent);
  window.ui = window.SwaggerUIBundle(config);
}());
