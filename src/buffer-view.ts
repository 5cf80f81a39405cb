/**
 * src/core speaks Uint8Array; the server's storage, HTTP and node:crypto code speaks Buffer.
 * This is the one crossing: a Buffer view of the same memory, no copy.
 */
export const bufferOf = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
