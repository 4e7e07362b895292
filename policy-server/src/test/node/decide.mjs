// Decides requests with Cedar compiled to WebAssembly (@cedar-policy/cedar-wasm), for
// policy-server's differential test (CedarWasmDifferentialTest). Reads one JSON document on
// stdin: {policies: {id: text}, templates: {id: text}, links: [{templateId, newId, values}],
// requests: [{principal, action, resource, context, entities}]}; writes one JSON array on
// stdout: [{decision, reasons, errors}] in request order (errors: the ids of failed policies).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const cedar = createRequire(import.meta.url)("@cedar-policy/cedar-wasm/nodejs");
const input = JSON.parse(readFileSync(0, "utf8"));
const policies = { staticPolicies: input.policies, templates: input.templates, templateLinks: input.links };
const answers = input.requests.map((r) => {
  const answer = cedar.isAuthorized({
    principal: r.principal, action: r.action, resource: r.resource,
    context: r.context, entities: r.entities, policies,
  });
  if (answer.type !== "success") {
    return { decision: "failure", reasons: [], errors: answer.errors.map((e) => e.message) };
  }
  const d = answer.response.diagnostics;
  return {
    decision: answer.response.decision,
    reasons: [...d.reason].sort(),
    errors: d.errors.map((e) => e.policyId).sort(),
  };
});
process.stdout.write(JSON.stringify(answers));
