// Sends GELF messages with the graygelf library.
//   node send-graygelf.js HOST PORT CHUNK_SIZE MESSAGES_JSON
// MESSAGES_JSON is an array of raw GELF objects ({short_message, timestamp, _field, ...}).
// graygelf gzips every message (alwaysCompress) and sends those longer than CHUNK_SIZE as
// GELF chunks from one UDP socket.
'use strict';

const graygelf = require('graygelf');

const [host, port, chunkSize, messagesJson] = process.argv.slice(2);
const messages = JSON.parse(messagesJson);
const log = graygelf({host, port: Number(port), chunkSize: Number(chunkSize), compressType: 'gzip',
  alwaysCompress: true});
log.on('error', (error) => {
  console.error(`graygelf: ${error.message}`);
  process.exit(1);
});
for (const message of messages) log.raw(message);
// Compression, id generation and sends are asynchronous and the socket is unref'd: give them
// time to finish before the process ends.
setTimeout(() => {}, 1000);
