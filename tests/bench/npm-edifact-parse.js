#!/usr/bin/env node
/*
 * npm-edifact-parse.js - the comparison point of Khaalga's EDIFACT benchmark.
 *
 * Parses an EDIFACT file with the npm package `edifact` (node-edifact, the
 * most used JavaScript EDIFACT parser) and prints the number of segments.
 *
 *     node tests/bench/npm-edifact-parse.js FILE.edi
 *
 * It uses the package's fastest streaming mode as its README describes it:
 * a bare Parser (no Validator, so no data validation and no Tracker), fed
 * chunk by chunk from a file read stream, with the event callbacks defined
 * directly on the Parser instance instead of EventEmitter listeners (the
 * README's "If performance is critical" advice). Memory stays constant
 * whatever the file size.
 *
 * The encoding level (UNOA, UNOB, UNOC, UNOY) is taken from UNB, as the
 * package's own Reader does; the separators from UNA when there is one.
 *
 * One adaptation: Parser.write() loses a release character that ends a chunk
 * (it reads the escaped character from the same chunk), so a chunk that ends
 * in an odd run of release characters keeps its last one for the next chunk.
 *
 * Install the package with edifact-bench.sh, or: npm ci --prefix tests/bench
 */
'use strict';

const fs = require('fs');
const Parser = require('edifact/parser.js');

const LEVELS = ['UNOA', 'UNOB', 'UNOC', 'UNOY', 'UCS2'];
const CHUNK = 1 << 20;   /* bytes per read */

function main(argv) {
  if (argv.length !== 1) {
    process.stderr.write('usage: node npm-edifact-parse.js FILE.edi\n');
    process.exit(2);
  }
  const file = argv[0];

  /* Sniff UNA and the UNB syntax identifier from the start of the file. */
  const head = Buffer.alloc(256);
  const fd = fs.openSync(file, 'r');
  const got = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  const start = head.toString('latin1', 0, got);
  let release = '?';
  let rest = start;
  if (start.startsWith('UNA') && start.length >= 9) {
    release = start[6];
    rest = start.slice(9).replace(/^[\r\n]+/, '');
  }
  const m = /^UNB.(UNO[A-Z])/.exec(rest);
  let level = m ? m[1] : 'UNOC';
  if (level === 'UNOW') level = 'UNOY';           /* UTF-8 */
  if (!LEVELS.includes(level)) level = 'UNOC';
  const textEncoding = (level === 'UNOY' || level === 'UCS2') ? 'utf8' : 'latin1';

  const parser = new Parser();
  parser.encoding(level);

  let segments = 0;
  parser.onopensegment = function () { segments++; };
  parser.onelement = function () {};
  parser.oncomponent = function () {};
  parser.onclosesegment = function () {};

  const stream = fs.createReadStream(file, { encoding: textEncoding, highWaterMark: CHUNK });
  let carry = '';
  stream.on('data', (chunk) => {
    if (carry) {
      chunk = carry + chunk;
      carry = '';
    }
    /* An odd run of release characters at the end: hold the last one back. */
    let n = 0;
    while (n < chunk.length && chunk[chunk.length - 1 - n] === release) n++;
    if (n % 2 === 1) {
      carry = release;
      chunk = chunk.slice(0, -1);
    }
    try {
      parser.write(chunk);
    } catch (e) {
      process.stderr.write(`npm-edifact-parse: ${file}: ${e.message}\n`);
      process.exit(1);
    }
  });
  stream.on('error', (e) => {
    process.stderr.write(`npm-edifact-parse: ${file}: ${e.message}\n`);
    process.exit(1);
  });
  stream.on('end', () => {
    try {
      if (carry) parser.write(carry);
      parser.end();
    } catch (e) {
      process.stderr.write(`npm-edifact-parse: ${file}: ${e.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`${segments}\n`);
  });
}

main(process.argv.slice(2));
