/*
 * lsan_suppressions.c - LeakSanitizer's built-in suppressions, in sanitizer builds only
 * (FAULTLINE_SANITIZE). Unicorn 2.1.1 keeps 32 bytes per engine that uc_close never frees (an
 * allocation made when the engine initialises, reached from uc_ctl); that is the library's,
 * and the report must stay clean for leaks of our own.
 */
#if defined(__SANITIZE_ADDRESS__)
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

/* The statistics of suppressions used would add lines to stderr, which tests check exactly. */
const char *__lsan_default_options(void)
{
    return "print_suppressions=0";
}

const char *__lsan_default_suppressions(void)
{
    return "leak:libunicorn.so\n";
}
#endif
