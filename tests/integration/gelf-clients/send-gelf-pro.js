// Sends GELF messages with the gelf-pro library, one after the other.
//   node send-gelf-pro.js udp|tcp HOST PORT MESSAGES_JSON
// MESSAGES_JSON is an array of {short_message, timestamp, ...extra fields}. gelf-pro's UDP
// adapter always deflates (zlib) and always sends GELF chunks; its TCP adapter sends the JSON
// ended by a NUL byte, one connection per message. Exits 1 on the first error.
'use strict';

const log = require('gelf-pro');

const [adapter, host, port, messagesJson] = process.argv.slice(2);
const messages = JSON.parse(messagesJson);
const family = host.includes(':') ? 6 : 4;
log.setConfig({
  adapterName: adapter,
  adapterOptions: adapter === 'udp'
    ? {host, port: Number(port), protocol: `udp${family}`}
    : {host, port: Number(port), family, timeout: 5000},
});

const timer = setTimeout(() => { console.error('gelf-pro: timed out'); process.exit(1); }, 20000);

function sendNext(index) {
  if (index === messages.length) {
    clearTimeout(timer);
    return;
  }
  const {short_message: text, ...extra} = messages[index];
  log.info(text, extra, (error) => {
    if (error) {
      console.error(`gelf-pro: message ${index}: ${error.message}`);
      process.exit(1);
    }
    sendNext(index + 1);
  });
}
sendNext(0);
