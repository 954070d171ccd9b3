using System.Runtime.InteropServices;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// A stream over a connected Unix socket that reads and writes with direct system calls on the calling thread,
/// sleeping in poll when there is nothing to read (<see cref="SocketIo"/>). Its reads
/// complete synchronously: it is for a connection that owns a reading thread (the worker's serve loop, the
/// coordinator's receive thread), where an event loop's hand-offs would cost more than the round trip itself.
/// Nothing here registers the socket with .NET's socket engine, so no event thread wakes per message either.
/// </summary>
/// <remarks>
/// The stream borrows its socket handle (a reference is held until disposal) and never closes it; its
/// owner does, after <see cref="Shutdown"/> has woken any thread still inside a read.
/// </remarks>
public sealed class DirectSocketStream : Stream
{
    private readonly SafeHandle _socket;
    private readonly int _fd;
    private BlockedWriter? _blockedWriter;
    private int _disposed;

    /// <summary>Borrows <paramref name="socket"/>, whose handle is a socket descriptor.</summary>
    public DirectSocketStream(SafeHandle socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        bool added = false;
        socket.DangerousAddRef(ref added);
        _socket = socket;
        _fd = (int)socket.DangerousGetHandle();
    }

    /// <summary>The socket descriptor, for waits that combine it with a doorbell.</summary>
    public int Descriptor => _fd;

    /// <summary>
    /// When true, <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/> writes what fits at once and
    /// hands the rest of a write the socket cannot take yet to the stream's own writer thread, so an async caller
    /// never blocks in poll; when false (default) the caller's thread waits. Either way one write at a time, as a
    /// PipeWriter issues them.
    /// </summary>
    public bool OffloadBlockedWrites { get; init; }

    /// <inheritdoc/>
    public override bool CanTimeout => true;

    /// <summary>Milliseconds a read waits for data before <see cref="TimeoutException"/>; <see cref="Timeout.Infinite"/> by default.</summary>
    /// <remarks>Each read waits this long afresh: a peer sending a byte at a time resets it. Use <see cref="ReadDeadline"/> to bound a whole exchange.</remarks>
    public override int ReadTimeout { get; set; } = Timeout.Infinite;

    /// <summary>
    /// The <see cref="System.Diagnostics.Stopwatch"/> timestamp after which every read throws
    /// <see cref="TimeoutException"/> however little it waited (0: none, the default): a frame trickled a byte at a
    /// time cannot stretch a handshake past it.
    /// </summary>
    public long ReadDeadline { get; set; }

    /// <inheritdoc/>
    public override bool CanRead => _disposed == 0;

    /// <inheritdoc/>
    public override bool CanWrite => _disposed == 0;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        // No spinning on the socket: a wake-up from poll costs less here than polling it from a loop, which
        // competes with the peer and the kernel for the cores (docs/RESULTS.md, "Round-trip latency").
        return SocketIo.Read(_fd, buffer, spinNs: 0, TimeoutNow());
    }

    /// <summary><see cref="ReadTimeout"/>, cut to what is left before <see cref="ReadDeadline"/>.</summary>
    private int TimeoutNow()
    {
        int timeout = ReadTimeout;
        long deadline = ReadDeadline;
        if (deadline == 0)
        {
            return timeout;
        }
        long left = deadline - System.Diagnostics.Stopwatch.GetTimestamp();
        if (left <= 0)
        {
            throw new TimeoutException("the read's deadline has passed");
        }
        int leftMs = (int)Math.Min(int.MaxValue, Math.Ceiling(left * 1000.0 / System.Diagnostics.Stopwatch.Frequency));
        return timeout == Timeout.Infinite ? leftMs : Math.Min(timeout, leftMs);
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }
        try
        {
            return ValueTask.FromResult(Read(buffer.Span));
        }
        catch (Exception e) when (e is IOException or TimeoutException or ObjectDisposedException)
        {
            return ValueTask.FromException<int>(e);
        }
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        SocketIo.Write(_fd, buffer);
    }

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }
        try
        {
            if (!OffloadBlockedWrites)
            {
                Write(buffer.Span);
                return ValueTask.CompletedTask;
            }
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            int written = SocketIo.TryWrite(_fd, buffer.Span);
            if (written == buffer.Length)
            {
                return ValueTask.CompletedTask;
            }
            _blockedWriter ??= new BlockedWriter(_socket, _fd);
            return new ValueTask(_blockedWriter.WriteAsync(buffer[written..]));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            return ValueTask.FromException(e);
        }
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Shuts the socket down in both directions: a thread sleeping in a read wakes up to the end of the stream.</summary>
    public void Shutdown()
    {
        if (_disposed == 0)
        {
            SocketIo.Shutdown(_fd);
        }
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _blockedWriter?.Stop();
            _socket.DangerousRelease();
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// A thread that finishes writes the socket could not take at once, waiting in poll for room. It holds its own
    /// reference to the handle; a write still waiting when the owner shuts the socket down fails and the thread ends.
    /// </summary>
    private sealed class BlockedWriter
    {
        private readonly SafeHandle _socket;
        private readonly int _fd;
        private readonly SemaphoreSlim _work = new(0);
        private ReadOnlyMemory<byte> _pending;
        private TaskCompletionSource? _done;
        private volatile bool _stopping;

        public BlockedWriter(SafeHandle socket, int fd)
        {
            bool added = false;
            socket.DangerousAddRef(ref added);
            _socket = socket;
            _fd = fd;
            new Thread(Run) { IsBackground = true, Name = "socket writer" }.Start();
        }

        public Task WriteAsync(ReadOnlyMemory<byte> rest)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending = rest;
            _done = done;
            _work.Release();
            return done.Task;
        }

        public void Stop()
        {
            _stopping = true;
            _work.Release();
        }

        private void Run()
        {
            try
            {
                while (true)
                {
                    _work.Wait();
                    if (_stopping)
                    {
                        _done?.TrySetException(new ObjectDisposedException(nameof(DirectSocketStream)));
                        return;
                    }
                    try
                    {
                        SocketIo.Write(_fd, _pending.Span);
                        _done!.TrySetResult();
                    }
                    catch (IOException e)
                    {
                        _done!.TrySetException(e);
                    }
                }
            }
            finally
            {
                _socket.DangerousRelease();
                _work.Dispose();
            }
        }
    }
}
