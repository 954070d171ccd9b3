/*
 * Helpers the waiting code of pf_io.c and pf_lifetime.c share (internal: not part of the ABI).
 */
#ifndef PF_WAIT_H
#define PF_WAIT_H

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds. */
static inline int64_t pf_now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* One poll of fd: 1 readable (or hung up / in error, which the next read reports), 0 not, -errno. */
static inline int pf_poll_readable(int32_t fd, int timeout_ms)
{
    struct pollfd entry = { .fd = fd, .events = POLLIN, .revents = 0 };
    for (;;)
    {
        int ready = poll(&entry, 1, timeout_ms);
        if (ready >= 0)
        {
            return ready > 0 ? 1 : 0;
        }
        if (errno != EINTR)
        {
            return -errno;
        }
    }
}

#endif /* PF_WAIT_H */
