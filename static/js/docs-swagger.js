// GET /docs: starts Swagger UI (loaded just before from vendor/swagger-ui-dist) on the app's
// OpenAPI document. A file, not an inline script: the Content-Security-Policy allows no inline
// script (server/security.py).
(() => {
  const root = document.getElementById('swagger-ui');
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    layout: 'BaseLayout',
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, // no request leaves the app
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
