// Preloaded with `node -r`: makes every cdk8s-plus major unresolvable, as in a project that
// installed none of them.
const Module = require('module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (/^cdk8s-plus-\d+($|\/)/.test(request)) {
    const e = new Error(`Cannot find module '${request}'`);
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  }
  return resolve.call(this, request, ...rest);
};
