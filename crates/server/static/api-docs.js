// The interactive API reference: renders /api/v1/openapi.json (served by this binary,
// so it works offline) as one card per operation with a form that sends a real request.
"use strict";

(function () {
  const root = document.getElementById("api-reference");
  if (!root) return;

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children || []) node.appendChild(child);
    return node;
  }

  function schemaName(response) {
    const content = response && response.content;
    if (!content) return "";
    const media = Object.values(content)[0];
    const ref = media && media.schema && media.schema["$ref"];
    return ref ? ref.split("/").pop() : "";
  }

  /** A JSON request body to start from: each property's example, or an empty value. */
  function exampleBody(spec, operation) {
    const media = operation.requestBody && operation.requestBody.content && operation.requestBody.content["application/json"];
    if (!media) return null;
    let schema = media.schema || {};
    if (schema["$ref"]) schema = spec.components.schemas[schema["$ref"].split("/").pop()] || {};
    const body = {};
    for (const [name, property] of Object.entries(schema.properties || {})) {
      if (property.example !== undefined) body[name] = property.example;
      else if ((schema.required || []).includes(name)) body[name] = "";
    }
    return JSON.stringify(body, null, 2);
  }

  function operationCard(spec, base, path, method, operation) {
    const parameters = operation.parameters || [];
    const form = element("form", { class: "api-form" });
    for (const parameter of parameters) {
      const id = `${method}-${path}-${parameter.name}`.replace(/[^a-zA-Z0-9-]/g, "-");
      form.appendChild(
        element("label", { for: id }, [
          element("span", { class: "api-param-name", text: parameter.name + (parameter.required ? " *" : "") }),
          element("span", { class: "api-param-where", text: parameter.in }),
          element("input", {
            id,
            name: parameter.name,
            "data-in": parameter.in,
            placeholder: parameter.description || "",
          }),
        ])
      );
    }
    const example = exampleBody(spec, operation);
    const bodyInput = example === null ? null : element("textarea", { name: "body", rows: "4", spellcheck: "false", "aria-label": "JSON body" });
    if (bodyInput) {
      bodyInput.value = example;
      form.appendChild(element("label", { class: "api-body" }, [element("span", { class: "api-param-name", text: "JSON body" }), bodyInput]));
    }
    const output = element("pre", { class: "api-output", hidden: "" });
    form.appendChild(element("button", { class: "button button-small", type: "submit", text: "Send request" }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      let url = base + path;
      const query = new URLSearchParams();
      for (const input of form.querySelectorAll("input[data-in]")) {
        if (!input.value) continue;
        if (input.dataset.in === "path") url = url.replace(`{${input.name}}`, encodeURIComponent(input.value));
        else if (input.dataset.in === "query") query.set(input.name, input.value);
      }
      if ([...query].length) url += "?" + query.toString();
      output.hidden = false;
      output.textContent = `${method.toUpperCase()} ${url} …`;
      try {
        const request = { method: method.toUpperCase(), headers: { Accept: "application/json" } };
        if (bodyInput) {
          request.headers["Content-Type"] = "application/json";
          request.body = bodyInput.value;
        }
        const response = await fetch(url, request);
        const text = await response.text();
        let body = text;
        try { body = JSON.stringify(JSON.parse(text), null, 2); } catch (_) { /* not JSON: show as is */ }
        output.textContent = `${response.status} ${response.statusText}\n\n${body}`;
      } catch (error) {
        output.textContent = `The request failed: ${error}`;
      }
    });

    const responses = Object.entries(operation.responses || {}).map(([status, response]) =>
      element("li", {}, [
        element("code", { text: status }),
        element("span", { text: ` ${response.description || ""} ${schemaName(response) ? "→ " + schemaName(response) : ""}` }),
      ])
    );
    return element("article", { class: "card api-operation" }, [
      element("h3", {}, [
        element("span", { class: `api-method api-method-${method}`, text: method.toUpperCase() }),
        element("code", { class: "api-path", text: path }),
      ]),
      element("p", { text: operation.summary || operation.description || "" }),
      element("ul", { class: "api-responses" }, responses),
      form,
      output,
    ]);
  }

  fetch(root.dataset.spec)
    .then((response) => response.json())
    .then((spec) => {
      const base = (spec.servers && spec.servers[0] && spec.servers[0].url) || "";
      root.textContent = "";
      root.appendChild(element("p", { class: "api-version", text: `${spec.info.title} · OpenAPI ${spec.openapi}` }));
      for (const [path, item] of Object.entries(spec.paths || {})) {
        for (const [method, operation] of Object.entries(item)) {
          if (typeof operation === "object" && operation.responses) {
            root.appendChild(operationCard(spec, base, path, method, operation));
          }
        }
      }
    })
    .catch((error) => {
      root.textContent = `The API description could not be loaded: ${error}`;
    });
})();
