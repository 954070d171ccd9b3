/*
 * Opening input files without ever blocking (processfarm.h, "Input files"). open(2) on a FIFO blocks until a
 * writer appears, and some devices block or have side effects on open, so the type is checked before opening,
 * the open itself is non-blocking, and the descriptor's type is checked again (the path may have been swapped in
 * between).
 */
#define _GNU_SOURCE
#include "processfarm.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* -EISDIR for a directory, -EOPNOTSUPP for any other file that is not regular, 0 for a regular file. */
static int32_t pf_file_check_type(mode_t mode)
{
    if (S_ISREG(mode))
    {
        return 0;
    }
    return S_ISDIR(mode) ? -EISDIR : -EOPNOTSUPP;
}

int32_t pf_file_open_regular(const char* path, int64_t* size)
{
    if (path == NULL || size == NULL)
    {
        return -EINVAL;
    }
    struct stat status;
    if (stat(path, &status) != 0)
    {
        return -errno;
    }
    int32_t refused = pf_file_check_type(status.st_mode);
    if (refused != 0)
    {
        return refused;
    }

    int fd;
    do
    {
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
    {
        return -errno;
    }
    if (fstat(fd, &status) != 0)
    {
        const int32_t error = -errno;
        close(fd);
        return error;
    }
    refused = pf_file_check_type(status.st_mode);
    if (refused != 0)
    {
        close(fd);
        return refused;
    }
    *size = (int64_t)status.st_size;
    return fd;
}

int64_t pf_file_read(int32_t fd, uint8_t* buffer, int64_t length, int64_t offset)
{
    if (fd < 0 || length < 0 || offset < 0 || (buffer == NULL && length > 0))
    {
        return -EINVAL;
    }
    int64_t done = 0;
    while (done < length)
    {
        const ssize_t got = pread(fd, buffer + done, (size_t)(length - done), (off_t)(offset + done));
        if (got < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            return -errno;
        }
        if (got == 0)
        {
            break; /* end of file: the file is shorter than asked for */
        }
        done += got;
    }
    return done;
}

int32_t pf_file_close(int32_t fd)
{
    /* Linux releases the descriptor even when close reports EINTR, so it is never retried. */
    return close(fd) == 0 ? 0 : -errno;
}
