/*
 * Process-level facts a worker and its coordinator check with the kernel (processfarm.h, "Processes").
 */
#define _GNU_SOURCE
#include "processfarm.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

PF_EXPORT int32_t pf_process_bind_to_parent(int32_t expected_parent)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    {
        return -errno;
    }
    /* The parent may have died before the line above: then this process was already handed to init (or a
     * subreaper) and the signal will never come. Checked after arming it, so no death can fall in between. */
    return getppid() == (pid_t)expected_parent ? 0 : -ESRCH;
}

PF_EXPORT int32_t pf_socket_peer(int32_t fd, int32_t* pid, int32_t* uid)
{
    if (pid == NULL || uid == NULL)
    {
        return -EINVAL;
    }
    struct ucred peer;
    socklen_t length = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0)
    {
        return -errno;
    }
    *pid = (int32_t)peer.pid;
    *uid = (int32_t)peer.uid;
    return 0;
}

PF_EXPORT int32_t pf_process_limits(int64_t* open_files, int64_t* address_space_bytes)
{
    if (open_files == NULL || address_space_bytes == NULL)
    {
        return -EINVAL;
    }
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    {
        return -errno;
    }
    *open_files = limit.rlim_cur == RLIM_INFINITY ? -1 : (int64_t)limit.rlim_cur;
    if (getrlimit(RLIMIT_AS, &limit) != 0)
    {
        return -errno;
    }
    *address_space_bytes = limit.rlim_cur == RLIM_INFINITY ? -1 : (int64_t)limit.rlim_cur;
    return 0;
}

PF_EXPORT int32_t pf_memory_return_large_blocks(int64_t threshold_bytes)
{
    if (threshold_bytes <= 0 || threshold_bytes > INT32_MAX)
    {
        return -EINVAL;
    }
    /* Setting the threshold also turns off glibc's dynamic threshold, which rises to the size of every large block
     * freed (up to 32 MB) so that later blocks of that size come from the heap, where they stay after free. */
    return mallopt(M_MMAP_THRESHOLD, (int)threshold_bytes) == 1 ? 0 : -EINVAL;
}
