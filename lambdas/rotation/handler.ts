/** Placeholder entry point of the rotation function; replaced by its issue. */
export async function handler(): Promise<{ statusCode: number; body: string }> {
  return { statusCode: 501, body: JSON.stringify({ error: 'not_implemented', message: 'rotation is not implemented yet' }) };
}
