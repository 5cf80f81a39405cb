/**
 * One set of request bodies dealt identically to every system of a comparison: made before the
 * timed runs, and each reader starts at the first body, so Rekor and Sealhouse receive the very
 * same entries in the same order (each into its own fresh log, so neither sees a duplicate).
 * A reader that outruns the deck has more made on the spot and appended, so the next system is
 * dealt those too; `late` counts them (signing inside a timed run slows the load generator).
 */
export class Deck {
  private readonly bodies: Buffer[] = [];
  late = 0;

  constructor(
    private readonly make: () => Buffer,
    count: number,
  ) {
    for (let i = 0; i < count; i++) this.bodies.push(make());
  }

  reader(): () => Buffer {
    let i = 0;
    return () => {
      while (this.bodies.length <= i) {
        this.late++;
        this.bodies.push(this.make());
      }
      return this.bodies[i++] as Buffer;
    };
  }
}
