import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive, forward slashes. */
  readonly name: string;
  readonly content: Buffer;
}

// 1980-01-01 00:00, the earliest DOS date: every entry gets it so equal input gives equal bytes.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
// Regular file, rw-r--r--, in the high 16 bits ("made by" Unix) so Lambda sees readable files.
const UNIX_FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;
const VERSION_MADE_BY_UNIX = (3 << 8) | 20;
const VERSION_NEEDED = 20;
const METHOD_DEFLATE = 8;

interface EntryFields {
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly nameLength: number;
}

/** The run of fields local and central headers share (flags to name length), from `at`. */
function writeEntryFields(header: Buffer, at: number, f: EntryFields): void {
  header.writeUInt16LE(0x0800, at); // UTF-8 names
  header.writeUInt16LE(METHOD_DEFLATE, at + 2);
  header.writeUInt16LE(DOS_TIME, at + 4);
  header.writeUInt16LE(DOS_DATE, at + 6);
  header.writeUInt32LE(f.crc, at + 8);
  header.writeUInt32LE(f.compressedSize, at + 12);
  header.writeUInt32LE(f.size, at + 16);
  header.writeUInt16LE(f.nameLength, at + 20);
}

/**
 * Writes a zip archive whose bytes depend only on the entries (names, contents, order): fixed
 * timestamps and attributes, no extra fields, deflate at a fixed level. Small on purpose: a Lambda
 * bundle is one or two files, archive libraries stamp the current time unless told otherwise, and
 * the ones at hand (archiver, which cdktn-cli uses) are asynchronous while constructs build synchronously.
 */
export function deterministicZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of sorted) {
    const name = Buffer.from(entry.name, 'utf8');
    const data = deflateRawSync(entry.content, { level: 9 });
    const crc = crc32(entry.content);

    const fields: EntryFields = { crc, compressedSize: data.length, size: entry.content.length, nameLength: name.length };

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    writeEntryFields(local, 6, fields); // extra length stays 0
    locals.push(local, name, data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(VERSION_MADE_BY_UNIX, 4);
    central.writeUInt16LE(VERSION_NEEDED, 6);
    writeEntryFields(central, 8, fields);
    // extra length, comment length, disk number, internal attributes stay 0
    central.writeUInt32LE(UNIX_FILE_ATTRIBUTES, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(sorted.length, 8);
  end.writeUInt16LE(sorted.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
