/** Placeholder until the local Upstash server lands (foundation issue). */
export default async function globalSetup(): Promise<void> {}
