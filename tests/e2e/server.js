// Starts the telegram-test-api Bot API emulator on 127.0.0.1:<port> for tests/e2e/test_e2e_bot.py.
const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2] || 9000);
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
server.start().then(() => {
  process.stdout.write(`READY ${server.config.apiURL}\n`);
});
const stop = () => server.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
