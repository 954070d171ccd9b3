/*
 * A worker's lifetime (processfarm.h, "Processes"): the secret line read with a deadline, the wait for its
 * coordinator's end of the socket to close, and the exit that follows it at once.
 */
#define _GNU_SOURCE
#include "processfarm.h"
#include "pf_wait.h"

#include <unistd.h>

PF_EXPORT int32_t pf_socket_wait_hangup(int32_t fd)
{
    struct pollfd entry = { .fd = fd, .events = POLLRDHUP, .revents = 0 };
    for (;;)
    {
        /* POLLHUP and POLLERR are reported whether asked for or not; POLLIN is not asked for, so data does not wake. */
        int ready = poll(&entry, 1, -1);
        if (ready > 0)
        {
            return (entry.revents & POLLNVAL) != 0 ? -EBADF : 0;
        }
        if (ready < 0 && errno != EINTR)
        {
            return -errno;
        }
    }
}

PF_EXPORT int32_t pf_fd_read_line(int32_t fd, uint8_t* buffer, int32_t capacity, int32_t timeout_ms)
{
    if (buffer == NULL || capacity <= 0)
    {
        return -EINVAL;
    }
    int64_t deadline = timeout_ms < 0 ? INT64_MAX : pf_now_ns() + (int64_t)timeout_ms * 1000000;
    int32_t length = 0;
    for (;;)
    {
        int64_t left_ns = deadline - pf_now_ns();
        if (left_ns <= 0)
        {
            return -ETIMEDOUT;
        }
        int wait_ms = timeout_ms < 0 ? -1 : (int)((left_ns + 999999) / 1000000);
        int readable = pf_poll_readable(fd, wait_ms);
        if (readable < 0)
        {
            return readable;
        }
        if (readable == 0)
        {
            continue; /* the deadline check above ends the loop */
        }
        uint8_t byte;
        ssize_t got = read(fd, &byte, 1);
        if (got < 0)
        {
            if (errno == EINTR || errno == EAGAIN)
            {
                continue;
            }
            return -errno;
        }
        if (got == 0 || byte == '\n')
        {
            return length;
        }
        if (length == capacity)
        {
            return -EMSGSIZE;
        }
        buffer[length++] = byte;
    }
}

PF_EXPORT void pf_process_exit(int32_t exit_code)
{
    _exit(exit_code);
}
