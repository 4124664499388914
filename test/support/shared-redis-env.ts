/** How jest's global setup hands the shared redis-server to test workers. */
export const SHARED_REDIS_URL_ENV = 'TEST_SHARED_REDIS_URL';
export const SHARED_REDIS_ERROR_ENV = 'TEST_SHARED_REDIS_ERROR';
/** Logical databases on the shared server; db 0 holds the allocator, the rest are handed out and reused. */
export const SHARED_REDIS_DATABASES = 1024;
