using System.Runtime.InteropServices;
using ProcessFarm.Shared.Native;

namespace ProcessFarm.Shared.Protocol;

/// <summary>
/// A stream over a connected Unix socket that reads and writes with direct system calls on the calling thread,
/// spinning for <see cref="SpinNanoseconds"/> before it sleeps in poll (<see cref="SocketIo"/>). Its async
/// methods complete synchronously: it is for a connection that owns a thread (the worker's serve loop, the
/// coordinator's receive thread), where an event loop's hand-offs would cost more than the round trip itself.
/// </summary>
/// <remarks>
/// The stream borrows its socket handle (a reference is held until disposal) and never closes it; its
/// owner does, after <see cref="Shutdown"/> has woken any thread still inside a read.
/// </remarks>
public sealed class DirectSocketStream : Stream
{
    private readonly SafeHandle _socket;
    private readonly int _fd;
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

    /// <summary>How long a read spins on non-blocking attempts before it sleeps. 0 sleeps at once.</summary>
    public long SpinNanoseconds { get; set; }

    /// <inheritdoc/>
    public override bool CanTimeout => true;

    /// <summary>Milliseconds a read waits for data before <see cref="TimeoutException"/>; <see cref="Timeout.Infinite"/> by default.</summary>
    public override int ReadTimeout { get; set; } = Timeout.Infinite;

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
        return SocketIo.Read(_fd, buffer, SpinNanoseconds, ReadTimeout);
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
            Write(buffer.Span);
            return ValueTask.CompletedTask;
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
            _socket.DangerousRelease();
        }
        base.Dispose(disposing);
    }
}
