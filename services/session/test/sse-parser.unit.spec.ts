import { SseParser, SseTooLarge, type SseEvent } from '../src/sse-parser.js';

/** Feeds `chunks` (strings as UTF-8, or raw bytes) and returns the events dispatched. */
function parse(chunks: Array<string | Buffer>, maxBytes = 1_000): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser(maxBytes, (event) => void events.push(event));
  for (const chunk of chunks) parser.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  return events;
}

describe('SseParser', () => {
  it('reads events whatever the line ends (LF, CRLF, CR), skipping comments and unknown fields', () => {
    const stream = ': hello\n\nevent: message\ndata: {"a":1}\n\nid: 7\r\nretry: 10\r\ndata: two\r\n\rdata: three\r\r';
    expect(parse([stream])).toEqual([{ event: 'message', data: '{"a":1}' }, { data: 'two' }, { data: 'three' }]);
  });

  it('joins data lines with LF, and takes "data" without a colon as an empty line', () => {
    expect(parse(['data: first\ndata:second\ndata\n\n'])).toEqual([{ data: 'first\nsecond\n' }]);
  });

  it('gives the same events however the stream is cut, even inside a CRLF or a multi-byte character', () => {
    const stream = Buffer.from('\uFEFFevent: message\r\ndata: {"text":"héllo ✓"}\r\n\r\ndata: next\r\n\r\n', 'utf8');
    const whole = parse([stream]);
    expect(whole).toEqual([{ event: 'message', data: '{"text":"héllo ✓"}' }, { data: 'next' }]);
    for (let cut = 1; cut < stream.length; cut++) expect(parse([stream.subarray(0, cut), stream.subarray(cut)])).toEqual(whole);
    expect(parse([...stream].map((byte) => Buffer.from([byte])))).toEqual(whole);
  });

  it('dispatches nothing for an event left unfinished at the end', () => {
    expect(parse(['data: complete\n\ndata: cut off\n'])).toEqual([{ data: 'complete' }]);
  });

  it('refuses an event larger than its limit, in one line or many', () => {
    expect(() => parse(['data: ' + 'x'.repeat(200)], 100)).toThrow(SseTooLarge);
    expect(() => parse(Array.from({ length: 30 }, () => 'data: 0123456789\n'), 100)).toThrow(SseTooLarge);
    expect(parse(Array.from({ length: 30 }, () => 'data: 0123456789\n\n'), 100)).toHaveLength(30);
  });
});
