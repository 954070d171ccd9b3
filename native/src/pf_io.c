/*
 * Socket reads, writes and waits for a thread that owns its connection (processfarm.h, "Low-latency socket I/O").
 * Spin-then-sleep: a reply that arrives within spin_ns is seen without the scheduler waking anybody (a wake-up
 * costs about 5-10 us on a VM, the whole spin-free round trip 15 us); after that the thread sleeps in poll and
 * costs nothing.
 */
#define _GNU_SOURCE
#include "processfarm.h"
#include "pf_wait.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <time.h>

/* With a doorbell, zero-timeout polls of the fd happen every this many spin turns: a poll is a system call, a
 * doorbell check is a load from a cache line. Without one, every turn polls. */
#define PF_FD_CHECK_INTERVAL 64

/* While spinning, the core is offered to other runnable threads this often. */
#define PF_YIELD_INTERVAL_NS 5000

static inline void pf_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static inline int pf_doorbell_rang(const uint64_t* doorbell, uint64_t seen)
{
    return doorbell != NULL && __atomic_load_n(doorbell, __ATOMIC_ACQUIRE) != seen;
}

PF_EXPORT int32_t pf_wait(int32_t fd, const uint64_t* doorbell, uint64_t seen, uint32_t* parked, int64_t spin_ns,
                          int32_t timeout_ms)
{
    if (spin_ns > 0)
    {
        int64_t now = pf_now_ns();
        int64_t deadline = now + spin_ns;
        int64_t next_yield = now + PF_YIELD_INTERVAL_NS;
        for (uint32_t turn = 1;; turn++)
        {
            if (pf_doorbell_rang(doorbell, seen))
            {
                return PF_READY_DOORBELL;
            }
            if (doorbell == NULL || turn % PF_FD_CHECK_INTERVAL == 0)
            {
                int readable = pf_poll_readable(fd, 0);
                if (readable != 0)
                {
                    return readable > 0 ? PF_READY_FD : readable;
                }
                now = pf_now_ns();
                if (now >= deadline)
                {
                    break;
                }
                if (now >= next_yield)
                {
                    /* If the peer we wait for is runnable on this very core, let it run: spinning over it would
                     * only delay the reply until the spin gives up. Returns at once when nothing else waits. */
                    sched_yield();
                    next_yield = pf_now_ns() + PF_YIELD_INTERVAL_NS;
                }
            }
            pf_cpu_relax();
        }
    }

    if (parked != NULL)
    {
        /* Dekker with the producer: it publishes, fences, reads *parked; we publish *parked, fence, read the
         * doorbell. At least one of us sees the other's store, so a doorbell is never missed while we sleep. */
        __atomic_store_n(parked, 1u, __ATOMIC_SEQ_CST);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
    }
    int32_t result;
    if (pf_doorbell_rang(doorbell, seen))
    {
        result = PF_READY_DOORBELL;
    }
    else
    {
        int readable = pf_poll_readable(fd, timeout_ms);
        result = readable > 0 ? PF_READY_FD : readable == 0 ? PF_READY_TIMEOUT : readable;
        if (result == PF_READY_TIMEOUT && pf_doorbell_rang(doorbell, seen))
        {
            result = PF_READY_DOORBELL;
        }
    }
    if (parked != NULL)
    {
        __atomic_store_n(parked, 0u, __ATOMIC_SEQ_CST);
    }
    return result;
}

PF_EXPORT int64_t pf_socket_read(int32_t fd, uint8_t* buffer, int64_t length, int64_t spin_ns, int32_t timeout_ms)
{
    if (buffer == NULL || length <= 0)
    {
        return -EINVAL;
    }
    for (;;)
    {
        ssize_t received = recv(fd, buffer, (size_t)length, MSG_DONTWAIT);
        if (received >= 0)
        {
            return received;
        }
        if (errno == EINTR)
        {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK)
        {
            return -errno;
        }
        int32_t ready = pf_wait(fd, NULL, 0, NULL, spin_ns, timeout_ms);
        if (ready < 0)
        {
            return ready;
        }
        if (ready == PF_READY_TIMEOUT)
        {
            return -ETIMEDOUT;
        }
        spin_ns = 0; /* spun once already: a partial frame's remainder is on its way, sleep for it */
    }
}

PF_EXPORT int64_t pf_socket_write(int32_t fd, const uint8_t* buffer, int64_t length, int32_t wait)
{
    if (buffer == NULL || length < 0)
    {
        return -EINVAL;
    }
    int64_t written = 0;
    while (written < length)
    {
        ssize_t sent = send(fd, buffer + written, (size_t)(length - written), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent >= 0)
        {
            written += sent;
            continue;
        }
        if (errno == EINTR)
        {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK)
        {
            return -errno;
        }
        if (!wait)
        {
            break;
        }
        struct pollfd entry = { .fd = fd, .events = POLLOUT, .revents = 0 };
        if (poll(&entry, 1, -1) < 0 && errno != EINTR)
        {
            return -errno;
        }
    }
    return written;
}

PF_EXPORT int32_t pf_socket_shutdown(int32_t fd)
{
    return shutdown(fd, SHUT_RDWR) == 0 ? 0 : -errno;
}

PF_EXPORT int32_t pf_socket_connect(const char* path, int32_t timeout_ms)
{
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    if (path == NULL || strlen(path) >= sizeof address.sun_path)
    {
        return -ENAMETOOLONG;
    }
    strcpy(address.sun_path, path);
    int64_t deadline = pf_now_ns() + (int64_t)timeout_ms * 1000000;
    for (;;)
    {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return -errno;
        }
        if (connect(fd, (const struct sockaddr*)&address, sizeof address) == 0)
        {
            struct ucred peer;
            socklen_t length = sizeof peer;
            if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 || peer.uid != geteuid())
            {
                close(fd);
                return -EACCES;
            }
            return fd;
        }
        int error = errno;
        close(fd);
        if (error != ENOENT && error != ECONNREFUSED && error != EAGAIN && error != EINTR)
        {
            return -error;
        }
        if (pf_now_ns() >= deadline)
        {
            return -ETIMEDOUT;
        }
        struct timespec pause = { .tv_sec = 0, .tv_nsec = 2000000 };
        nanosleep(&pause, NULL);
    }
}

PF_EXPORT int32_t pf_socket_close(int32_t fd)
{
    return close(fd) == 0 ? 0 : -errno;
}
