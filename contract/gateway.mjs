// Starts Portkey's open-source gateway (the `@portkey-ai/gateway` package) on loopback only.
// Its server listens on every interface and has no option to choose one, so the port it is
// given (`--port=N`) is bound to 127.0.0.1 here, before the gateway starts.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') {
    args.splice(1, args[1] === undefined ? 1 : 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};

await import('@portkey-ai/gateway/build/start-server.js');
