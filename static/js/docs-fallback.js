// GET /docs when Swagger UI is not installed: the operations of the OpenAPI document, as text.
const root = document.getElementById('ops');
const spec = await (await fetch(root.dataset.openapiUrl)).json();
root.textContent = '';
for (const [path, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item)) {
    const h = document.createElement('h2');
    const m = document.createElement('span');
    m.className = 'm';
    m.textContent = method.toUpperCase();
    h.append(m, path);
    const p = document.createElement('p');
    p.textContent = op.description || op.summary || '';
    root.append(h, p);
    const schema = op.requestBody?.content?.['application/json']?.schema;
    if (schema) {
      const pre = document.createElement('pre');
      pre.textContent = JSON.stringify(schema, null, 2);
      root.append(pre);
    }
  }
}
