using System.Diagnostics;
using System.IO.Pipelines;
using System.IO.Pipes;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// Speaks the protocol with one worker over its socket (the Broker half; <see cref="WorkerProcess"/> launches).
/// All traffic uses direct system calls (<see cref="DirectSocketStream"/>), never .NET's socket engine, whose
/// event thread would otherwise wake for every incoming frame. One receive thread per connection reads the Hello
/// and then every reply (WorkerConnection.Receive.cs); sends are serialized by a lock so frames never interleave,
/// and a send the socket cannot take at once finishes on the stream's writer thread. Small frames may go through
/// a shared-memory frame channel instead (WorkerConnection.Channel.cs).
/// </summary>
/// <remarks>
/// Sends take no cancellation token: once a frame is in the writer it must reach the socket whole, or the
/// connection is broken. (A cancelled flush also left System.IO.Pipelines' StreamPipeWriter with a cancelled
/// internal token, so that a later flush returned "canceled" with its frame still buffered: the lost replies
/// and stuck shutdowns of issue 13.) A send ends when the socket has the frame or the connection fails; the
/// supervisor's job timeout kills a worker that stops reading.
/// </remarks>
internal sealed partial class WorkerConnection : IAsyncDisposable
{
    private readonly SafeHandle _handle;
    private readonly Func<ValueTask> _closeOwner;
    private readonly DirectSocketStream _socket;
    private readonly SslStream? _tls;
    private readonly SslServerAuthenticationOptions? _tlsOptions;
    private readonly Stream _stream;
    private readonly PipeWriter _output;
    private readonly FrameWriter _frames;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ILogger _log;
    private readonly TaskCompletionSource<HelloMessage> _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReplyHandler? _handler;
    private Thread? _receiving;
    private int _disposed;

    public WorkerConnection(NamedPipeServerStream stream, ILogger log)
        : this(stream.SafePipeHandle, stream.DisposeAsync, log)
    {
    }

    /// <summary>
    /// A connection over an accepted TCP socket (a cluster node's worker); the connection owns the socket. With
    /// <paramref name="tls"/>, every frame travels inside TLS with this end as the server: call
    /// <see cref="SecureAsync"/> before anything else.
    /// </summary>
    public WorkerConnection(Socket socket, SslServerAuthenticationOptions? tls, ILogger log)
        : this(socket.SafeHandle, () => { socket.Dispose(); return ValueTask.CompletedTask; }, tls, log)
    {
        RemoteEndPoint = socket.RemoteEndPoint?.ToString();
    }

    private WorkerConnection(SafeHandle handle, Func<ValueTask> closeOwner, ILogger log)
        : this(handle, closeOwner, null, log)
    {
    }

    private WorkerConnection(SafeHandle handle, Func<ValueTask> closeOwner, SslServerAuthenticationOptions? tls, ILogger log)
    {
        _handle = handle;
        _closeOwner = closeOwner;
        _log = log;
        _socket = new DirectSocketStream(handle) { OffloadBlockedWrites = true };
        if (tls is not null)
        {
            // The TLS stream reads and writes through the direct socket, so the receive thread still owns its reads
            // and a write the socket cannot take still finishes on the socket's writer thread.
            _tls = new SslStream(_socket, leaveInnerStreamOpen: true);
            _tlsOptions = tls;
            _secured = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        _stream = _tls ?? (Stream)_socket;
        _output = PipeTransport.CreateWriter(_stream);
        _frames = new FrameWriter(_output);
        _postFrames = new FrameWriter(_postBuffer);
    }

    public HelloMessage? Hello { get; private set; }

    public uint WorkerId => Hello?.WorkerId ?? uint.MaxValue;

    public WorkerProcess? Process { get; set; }

    /// <summary>The peer's address for a TCP connection, else null.</summary>
    public string? RemoteEndPoint { get; }

    /// <summary>For a worker on another machine: the cluster node it runs on, else null.</summary>
    public string? Node { get; set; }

    /// <summary>For a worker on another machine: asks its node to kill it (a stopped worker does not see the hang-up).</summary>
    public Action? KillRemote { get; set; }

    /// <summary>Bytes of frames sent and received so far (the cluster's node list).</summary>
    public long BytesMoved => Interlocked.Read(ref _bytesSent) + Interlocked.Read(ref _bytesReceived);

    private long _bytesSent;
    private long _bytesReceived;

    /// <summary>
    /// Cuts the connection as if the peer had gone (its node left the cluster): the receive loop ends and the
    /// handler hears of the disconnect, so the supervisor replaces the worker now rather than at a timeout.
    /// </summary>
    public void Abort() => _socket.Shutdown();

    /// <summary>Spawn to Welcome, in milliseconds.</summary>
    public double ReadyMs { get; set; }

    /// <summary>" (exit code N)" once the worker process has exited, else empty.</summary>
    public string ExitDescription => Process is { HasExited: true } process ? $" (exit code {process.ExitCode})" : string.Empty;

    /// <summary>Completes when the receive loop ends.</summary>
    public Task Completion => _receiving is null ? Task.CompletedTask : _received.Task;

    /// <summary>The socket descriptor (for the peer-credentials check).</summary>
    internal int SocketDescriptor => _socket.Descriptor;

    /// <summary>This connection's challenge nonce, fresh per connection: a Hello recorded elsewhere cannot answer it.</summary>
    public byte[] Challenge { get; } = System.Security.Cryptography.RandomNumberGenerator.GetBytes(ProtocolLimits.NonceBytes);

    /// <summary>Opens the handshake: the Challenge, before anything else on the connection.</summary>
    public Task SendChallengeAsync() => SendAsync(Challenge, static (frames, nonce) => frames.WriteChallenge(nonce));

    /// <summary>Accepts the Hello, proving the run's secret back over both nonces.</summary>
    public Task SendWelcomeAsync(byte[] secret) =>
        SendAsync(new WelcomeMessage(ProtocolLimits.Version, HandshakeProof.Welcome(secret, Challenge, Hello!.Nonce)), static (frames, w) => frames.WriteWelcome(w));

    public Task SendErrorAsync(ErrorMessage error) => SendAsync(error, static (frames, e) => frames.WriteError(e));

    /// <summary>Routes replies to <paramref name="handler"/>; set it before the Welcome, so every frame has a taker.</summary>
    public void SetHandler(IReplyHandler handler) => Volatile.Write(ref _handler, handler);

    /// <summary>Writes one or more frames under the send lock and flushes them.</summary>
    public Task SendAsync<TState>(TState state, Action<FrameWriter, TState> write) =>
        SendAsync(state, write, ReadOnlyMemory<byte>.Empty);

    /// <summary>
    /// Writes a frame whose last element is a bin payload: <paramref name="write"/> writes everything up to and
    /// including the bin header, and <paramref name="payload"/> then goes from where it lies straight to the
    /// socket, not through the writer's buffers (one copy fewer).
    /// </summary>
    /// <exception cref="WorkerFailedException">The worker is gone or stopped reading.</exception>
    public async Task SendAsync<TState>(TState state, Action<FrameWriter, TState> write, ReadOnlyMemory<byte> payload)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            write(_frames, state);
            await FlushAsync().ConfigureAwait(false);
            if (!payload.IsEmpty)
            {
                await WriteDirectAsync(payload).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a job's frame with <paramref name="id"/>: through the frame channel when it asks for it, else on the socket.</summary>
    /// <exception cref="WorkerFailedException">The worker is gone or stopped reading.</exception>
    public Task SendJobAsync(WorkerJob job, ulong id)
    {
        if (job.ViaChannel)
        {
            return PostAsync((job, id), static (frames, s) =>
            {
                if (!s.job.TryWrite(frames, s.id, out var payload))
                {
                    return false;
                }
                Debug.Assert(payload.IsEmpty, "a job sent through the channel has no separate payload");
                return true;
            });
        }
        return SendJobOnSocketAsync(job, id);
    }

    private async Task SendJobOnSocketAsync(WorkerJob job, ulong id)
    {
        await _sendLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!job.TryWrite(_frames, id, out var payload))
            {
                return; // its set was closed: nothing was written
            }
            await FlushAsync().ConfigureAwait(false);
            if (!payload.IsEmpty)
            {
                await WriteDirectAsync(payload).ConfigureAwait(false);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task WriteDirectAsync(ReadOnlyMemory<byte> payload)
    {
        try
        {
            await _stream.WriteAsync(payload).ConfigureAwait(false);
            Interlocked.Add(ref _bytesSent, payload.Length);
        }
        catch (IOException e)
        {
            throw new WorkerFailedException(WorkerId, $"went away{ExitDescription}: {e.Message}", e);
        }
    }

    private async Task FlushAsync()
    {
        FlushResult flush;
        Interlocked.Add(ref _bytesSent, _output.UnflushedBytes);
        try
        {
            flush = await _output.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new WorkerFailedException(WorkerId, $"went away{ExitDescription}: {e.Message}", e);
        }
        // Nobody cancels this writer's flushes (no token, no CancelPendingFlush): a canceled result would mean
        // the frame is still buffered.
        Debug.Assert(!flush.IsCanceled, "a flush without a token was canceled");
        if (flush.IsCompleted)
        {
            throw new WorkerFailedException(WorkerId, $"stopped reading its socket{ExitDescription}");
        }
    }

    /// <summary>Asks the worker to exit; best effort, the socket may already be gone.</summary>
    public async Task SendShutdownAsync()
    {
        try
        {
            await SendAsync(0, static (frames, _) => frames.WriteShutdown()).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or WorkerFailedException or ObjectDisposedException or TimeoutException or InvalidOperationException)
        {
            // The worker is gone or stuck; the supervisor kills it after a grace period.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            // Flushes what is still buffered (a Shutdown); a worker that takes nothing more does not hold us up.
            await _output.CompleteAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or TimeoutException or ObjectDisposedException)
        {
            // A dead or stuck worker cannot take it. Teardown goes on.
        }
        // Shutting the socket down wakes the receive thread to the end of the stream (and fails a write still
        // waiting for room); both threads hold a reference to the handle, so the descriptor stays valid until
        // they have let go.
        _socket.Shutdown();
        try
        {
            await Completion.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The loop is stuck in a handler; the socket is shut down, so it ends on its next read.
        }
        if (_tls is not null)
        {
            await _tls.DisposeAsync().ConfigureAwait(false);
        }
        _socket.Dispose();
        await _closeOwner().ConfigureAwait(false);
        await DisposeChannelAsync().ConfigureAwait(false);
        _sendLock.Dispose();
        _channelGate.Dispose();
    }
}
