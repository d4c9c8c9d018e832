// Starts kinesalite (in memory, no LevelDB) on 127.0.0.1 and prints "PORT <n>" once it listens.
// Usage: node start-kinesalite.js [PORT]; port 0 (the default) picks a free one.
// Streams leave CREATING, DELETING and UPDATING at once, so tests need not wait for them.
'use strict'
const kinesalite = require('kinesalite')

const port = Number(process.argv[2] || 0)
const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 })
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`PORT ${server.address().port}\n`)
})
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0))
