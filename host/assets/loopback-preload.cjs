// Preloaded (node --require) into demo servers that listen on every interface and have
// no host option: a listen() without a host binds to loopback instead.
'use strict';
const net = require('node:net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function' || typeof args[1] === 'number')) {
    const [port, ...rest] = args;
    const backlog = typeof rest[0] === 'number' ? rest.shift() : undefined;
    return backlog === undefined ? listen.call(this, port, '127.0.0.1', ...rest) : listen.call(this, port, '127.0.0.1', backlog, ...rest);
  }
  if (args[0] && typeof args[0] === 'object' && args[0].host === undefined && args[0].path === undefined) {
    return listen.call(this, { ...args[0], host: '127.0.0.1' }, ...args.slice(1));
  }
  return listen.apply(this, args);
};
