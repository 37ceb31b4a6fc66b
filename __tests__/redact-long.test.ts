import { describe, it, expect } from '@jest/globals';
import { redact } from '../src/engine/redact.js';

describe('redact on long text', () => {
  it('handles a 400k-character token without spaces is handled, and a URL inside it is still masked', () => {
    const long = 'a'.repeat(200_000) + ' postgres://u:S3cr3t-Canary-9z@h/db ' + 'b'.repeat(200_000);
    // The quadratic version of the URL pattern needed minutes here; jest's timeout would catch a regression.
    const out = redact(long, []);
    expect(out).not.toContain('S3cr3t-Canary-9z');
    expect(out).toContain('postgres://u:********@h/db');
  });
});
