// A fake HtmlService that serves the project's .html files (named without the extension, as in Apps
// Script) from the built add-on folder.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export class FakeHtmlOutput {
  private title = "";

  constructor(private readonly content: string) {}

  setTitle(title: string): this {
    this.title = title;
    return this;
  }

  getTitle(): string {
    return this.title;
  }

  getContent(): string {
    return this.content;
  }
}

export class FakeHtmlService {
  constructor(private readonly projectDir: string) {}

  createHtmlOutputFromFile(filename: string): FakeHtmlOutput {
    const path = join(this.projectDir, `${filename}.html`);
    if (!existsSync(path)) throw new Error(`Exception: No HTML file named ${filename} was found.`);
    return new FakeHtmlOutput(readFileSync(path, "utf8"));
  }
}
