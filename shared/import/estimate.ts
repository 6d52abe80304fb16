// Estimates of a file's row count from its first block, so that a progress bar can show rows while the engine reads the file.

import { readHead } from "../store/file-head.ts";
import type { FileKind } from "./parse.ts";

/** The first bytes of a file's text (inflated, for a compressed file), and what they stand for. */
export interface FileSample {
  /** The text's first bytes. */
  text: Buffer;
  /** How many bytes of the file gave `text` (for a compressed file, fewer than `text` holds). */
  fileBytesRead: number;
  /** The file's whole size in bytes, as stored (compressed, if it is). */
  fileBytes: number;
  /** A CSV file's first line names the columns and is not a row. */
  header: boolean;
}

const NEWLINE = 0x0a;

/** The lines of `text` that hold something other than white space. */
function filledLines(text: Buffer): number {
  return text
    .toString("utf8")
    .split("\n")
    .filter((line) => line.trim() !== "").length;
}

/**
 * The file's rows, estimated as its size divided by the bytes per row of the sample's whole lines (the
 * header left out); exact, but for blank lines and quoted line breaks, when the sample is the whole file.
 * Undefined when the sample holds no whole row.
 */
export function estimateRows(sample: FileSample): number | undefined {
  const { text, fileBytesRead, fileBytes, header } = sample;
  if (fileBytesRead >= fileBytes) return Math.max(filledLines(text) - (header ? 1 : 0), 0);
  const headerEnd = header ? text.indexOf(NEWLINE) + 1 : 0;
  const lastEnd = text.lastIndexOf(NEWLINE) + 1;
  if (header && headerEnd === 0) return undefined;
  const rows = filledLines(text.subarray(headerEnd, lastEnd));
  if (rows === 0 || fileBytesRead <= 0) return undefined;
  const bytesPerRow = (lastEnd - headerEnd) / rows;
  const textBytes = (fileBytes * text.length) / fileBytesRead;
  return Math.max(Math.round((textBytes - headerEnd) / bytesPerRow), rows);
}

/** The rows done when a share `fraction` of the work is, for a file of about `total` rows. */
export function rowsAtFraction(fraction: number, total: number): number {
  return Math.round(Math.min(Math.max(fraction, 0), 1) * total);
}

/** A megabyte of a plain file's text; a quarter of one of a compressed file, inflated (at most 64 MB). */
const PLAIN_SAMPLE = 1 << 20;
const GZIP_SAMPLE = 1 << 18;
const GZIP_SAMPLE_INFLATED_MAX = 64 << 20;

/**
 * Reads the first block of a file of `fileBytes` bytes and estimates its rows (see `estimateRows`).
 * Undefined when the block cannot be read or inflated: the bar then shows no rows until the end.
 */
export async function estimateFileRows(file: string, kind: FileKind, fileBytes: number): Promise<number | undefined> {
  try {
    const { read, text } = await readHead(file, Math.min(kind.gzip ? GZIP_SAMPLE : PLAIN_SAMPLE, fileBytes), kind.gzip, GZIP_SAMPLE_INFLATED_MAX);
    return estimateRows({ text, fileBytesRead: read, fileBytes, header: kind.format === "csv" });
  } catch {
    return undefined;
  }
}
