using System.Runtime.InteropServices;

namespace ProcessFarm.Shared.Native;

/// <summary>What <see cref="SocketIo.Wait"/> found ready.</summary>
public enum WaitReady
{
    /// <summary>The timeout passed.</summary>
    Timeout = 0,

    /// <summary>The doorbell word changed.</summary>
    Doorbell = 1,

    /// <summary>The socket is readable (data, end of stream, or an error the next read reports).</summary>
    Socket = 2,
}

/// <summary>
/// Direct system calls on a connected stream socket for a thread that owns its connection: spin briefly, then
/// sleep in poll (native/src/pf_io.c). The caller keeps the descriptor alive (a SafeHandle reference) meanwhile.
/// </summary>
public static unsafe class SocketIo
{
    /// <summary>Waits for <paramref name="fd"/> to be readable or <c>*doorbell</c> to differ from <paramref name="seen"/>.</summary>
    /// <param name="fd">The socket descriptor.</param>
    /// <param name="doorbell">A word another process advances, or null to wait for the socket only.</param>
    /// <param name="seen">The doorbell's value the caller has already handled.</param>
    /// <param name="parked">Set to 1 while sleeping (not while spinning), so a producer knows to wake this thread through the socket; or null.</param>
    /// <param name="spinNs">How long to spin before sleeping.</param>
    /// <param name="timeoutMs">How long to sleep; negative without limit.</param>
    public static WaitReady Wait(int fd, ulong* doorbell, ulong seen, uint* parked, long spinNs, int timeoutMs)
    {
        int result = Interop.PfNative.Wait(fd, doorbell, seen, parked, spinNs, timeoutMs);
        return result >= 0 ? (WaitReady)result : throw Failure("wait on the socket", -result);
    }

    /// <summary>Reads up to <paramref name="buffer"/>'s length; 0 at the end of the stream.</summary>
    /// <exception cref="TimeoutException">Nothing arrived within <paramref name="timeoutMs"/>.</exception>
    /// <exception cref="IOException">The socket failed.</exception>
    public static int Read(int fd, Span<byte> buffer, long spinNs, int timeoutMs)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }
        long read;
        fixed (byte* data = buffer)
        {
            read = Interop.PfNative.SocketRead(fd, data, buffer.Length, spinNs, timeoutMs);
        }
        return read switch
        {
            >= 0 => (int)read,
            -ErrnoTimedOut => throw new TimeoutException($"nothing arrived on the socket within {timeoutMs} ms"),
            _ => throw Failure("read from the socket", (int)-read),
        };
    }

    /// <summary>Writes all of <paramref name="buffer"/>, sleeping in poll while the socket's buffer is full.</summary>
    /// <exception cref="IOException">The socket failed or the peer is gone.</exception>
    public static void Write(int fd, ReadOnlySpan<byte> buffer) => _ = Send(fd, buffer, wait: true);

    /// <summary>Writes what fits into the socket's buffer now, without waiting.</summary>
    /// <returns>The bytes written, possibly 0.</returns>
    /// <exception cref="IOException">The socket failed or the peer is gone.</exception>
    public static int TryWrite(int fd, ReadOnlySpan<byte> buffer) => Send(fd, buffer, wait: false);

    private static int Send(int fd, ReadOnlySpan<byte> buffer, bool wait)
    {
        long result;
        fixed (byte* data = buffer)
        {
            result = Interop.PfNative.SocketWrite(fd, data, buffer.Length, wait ? 1 : 0);
        }
        return result >= 0 ? (int)result : throw Failure("write to the socket", (int)-result);
    }

    /// <summary>
    /// Connects to the Unix socket at <paramref name="path"/>, retrying for up to <paramref name="timeoutMs"/> while
    /// it does not exist or refuses, and checks that it belongs to this process's user. No .NET socket object, no
    /// event thread: the cheapest way a short-lived worker can reach its coordinator.
    /// </summary>
    /// <exception cref="TimeoutException">Nothing accepted within the timeout.</exception>
    /// <exception cref="UnauthorizedAccessException">The socket belongs to another user.</exception>
    /// <exception cref="IOException">Another failure (a path too long, say).</exception>
    public static SocketHandle Connect(string path, int timeoutMs)
    {
        int result = Interop.PfNative.SocketConnect(path, timeoutMs);
        return result switch
        {
            >= 0 => new SocketHandle(result),
            -ErrnoTimedOut => throw new TimeoutException($"nothing accepted a connection within {timeoutMs} ms"),
            -ErrnoAccess => throw new UnauthorizedAccessException("the socket belongs to another user"),
            _ => throw Failure("connect to the socket", -result),
        };
    }

    /// <summary>The process and user ids of a connected Unix socket's peer, as the kernel recorded them at connect.</summary>
    /// <exception cref="IOException">The descriptor is not a connected Unix socket.</exception>
    public static (int ProcessId, int UserId) Peer(int fd)
    {
        int pid, uid;
        int result = Interop.PfNative.SocketPeer(fd, &pid, &uid);
        return result == 0 ? (pid, uid) : throw Failure("read the socket's peer credentials", -result);
    }

    /// <summary>Shuts both directions down, waking a thread that sleeps in <see cref="Wait"/> or <see cref="Read"/>.</summary>
    public static void Shutdown(int fd) => _ = Interop.PfNative.SocketShutdown(fd);

    /// <summary>
    /// Blocks until the peer has closed the socket or shut down its writing side, without reading anything: data
    /// waiting in the socket does not end the wait. For a thread of its own.
    /// </summary>
    /// <exception cref="IOException">The descriptor is not valid.</exception>
    public static void WaitForHangup(int fd)
    {
        int result = Interop.PfNative.SocketWaitHangup(fd);
        if (result < 0)
        {
            throw Failure("wait for the socket's peer to close", -result);
        }
    }

    private const int ErrnoTimedOut = 110; // ETIMEDOUT on Linux
    private const int ErrnoAccess = 13; // EACCES

    /// <summary>A socket descriptor <see cref="Connect"/> opened; closing the handle closes it.</summary>
    public sealed class SocketHandle : SafeHandle
    {
        internal SocketHandle(int fd)
            : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

        /// <inheritdoc/>
        public override bool IsInvalid => handle == -1;

        /// <inheritdoc/>
        protected override bool ReleaseHandle() => Interop.PfNative.SocketClose((int)handle) == 0;
    }

    private static IOException Failure(string what, int errno) =>
        new($"cannot {what}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
}
