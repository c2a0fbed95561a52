// Refuses to run on a Node older than the one the project pins, and says how to get the right one.
// Plain JavaScript on purpose: it must run on the old Node it is warning about.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 17)) {
  console.error(
    `Switchboard needs Node.js >= 22.17 (it pins 24 through the npm "node" package), but this is Node ${process.versions.node}.\n` +
      'Run it through npm so node_modules/.bin/node is used: `npm install`, then `npm start` / `npm test` / `npx switchboard`.\n' +
      'Anything that calls node_modules/.bin/<tool> directly, or `npm ci --ignore-scripts`, runs on the system Node instead.',
  );
  process.exit(1);
}
