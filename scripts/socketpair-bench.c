/* The Unix-socket ceiling of this machine: one process writes N bytes into a socketpair in 1 MiB writes, another
 * reads them, as fast as the kernel allows. Prints GB/s one way. Used by scripts/bench-transport.sh.
 *   cc -O2 -o socketpair-bench socketpair-bench.c && ./socketpair-bench [MiB] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    const long total = (argc > 1 ? atol(argv[1]) : 4096) * 1048576L;
    const size_t chunk = 1 << 20;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
    {
        perror("socketpair");
        return 1;
    }
    char* buffer = malloc(chunk);
    memset(buffer, 1, chunk);
    pid_t child = fork();
    if (child == 0)
    {
        close(fds[0]);
        long received = 0;
        while (received < total)
        {
            ssize_t n = read(fds[1], buffer, chunk);
            if (n <= 0)
            {
                return 1;
            }
            received += n;
        }
        return 0;
    }
    close(fds[1]);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long sent = 0; sent < total;)
    {
        ssize_t n = write(fds[0], buffer, chunk);
        if (n <= 0)
        {
            perror("write");
            return 1;
        }
        sent += n;
    }
    int status;
    waitpid(child, &status, 0);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    printf("socketpair one way, 1 MiB writes: %ld MiB in %.3f s = %.2f GB/s\n", total / 1048576L, seconds, (double)total / seconds / 1e9);
    return 0;
}
