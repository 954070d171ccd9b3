using System.Buffers;
using System.IO.Pipelines;
using System.IO.Pipes;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Shared.SharedMemory;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// Speaks the protocol with one worker over its pipe (the Broker half; <see cref="WorkerProcess"/> launches).
/// All traffic uses direct system calls (<see cref="DirectSocketStream"/>), never .NET's socket engine, whose
/// event thread would otherwise wake for every incoming frame. One receive thread per connection reads the Hello
/// and then every reply (spin, then sleep in poll) and calls the reply handler on that thread; sends are
/// serialized by a lock so frames never interleave, and a send the socket cannot take at once finishes on the
/// stream's writer thread.
/// </summary>
internal sealed class WorkerConnection : IAsyncDisposable
{
    /// <summary>
    /// How long the receive thread spins on the frame channel for the next reply before it sleeps: a reply
    /// within a small job's round trip is picked up without a wake-up.
    /// </summary>
    public const long ReceiveSpinNanoseconds = 50_000;

    /// <summary>The id of the Channel request; job ids of runs count up from 1 and never reach it.</summary>
    internal const ulong ChannelRequestId = ulong.MaxValue;

    private readonly NamedPipeServerStream _stream;
    private readonly DirectSocketStream _socket;
    private readonly PipeWriter _output;
    private readonly FrameWriter _frames;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CoordinatorLog _log;
    private readonly TaskCompletionSource<HelloMessage> _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReplyHandler? _handler;
    private Thread? _receiving;
    private int _disposed;

    // The frame channel (shm descriptors): frames are staged in _postBuffer before they go into a slot, and the
    // receive thread copies each reply out of its slot into _slot.
    private readonly ArrayBufferWriter<byte> _postBuffer = new(FrameChannel.MaxFrameBytes);
    private readonly FrameWriter _postFrames;
    private readonly byte[] _slot = new byte[FrameChannel.MaxFrameBytes];
    private readonly SemaphoreSlim _channelGate = new(1, 1);
    private FrameChannel? _channel;
    private TaskCompletionSource? _channelOpened;
    private bool _channelReady;

    public WorkerConnection(NamedPipeServerStream stream, CoordinatorLog log)
    {
        _stream = stream;
        _log = log;
        _socket = new DirectSocketStream(stream.SafePipeHandle) { OffloadBlockedWrites = true };
        _output = PipeTransport.CreateWriter(_socket);
        _frames = new FrameWriter(_output);
        _postFrames = new FrameWriter(_postBuffer);
    }

    public HelloMessage? Hello { get; private set; }

    public uint WorkerId => Hello?.WorkerId ?? uint.MaxValue;

    public WorkerProcess? Process { get; set; }

    /// <summary>Spawn to Welcome, in milliseconds.</summary>
    public double ReadyMs { get; set; }

    /// <summary>", exit code N" once the worker process has exited, else empty.</summary>
    public string ExitDescription => Process is { HasExited: true } process ? $" (exit code {process.ExitCode})" : string.Empty;

    /// <summary>The frame channel once <see cref="OpenChannelAsync"/> created it, else null.</summary>
    internal FrameChannel? Channel => Volatile.Read(ref _channel);

    /// <summary>Completes when the receive loop ends.</summary>
    public Task Completion => _receiving is null ? Task.CompletedTask : _received.Task;

    /// <summary>Starts the receive thread, which reads the worker's Hello first.</summary>
    /// <exception cref="ProtocolException">The first frame is not a valid Hello, or the stream ended.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the socket is then shut down.</exception>
    public async Task<HelloMessage> ReadHelloAsync(CancellationToken cancellationToken)
    {
        if (_receiving is null)
        {
            // The thread's own reference, taken here where a disposed handle throws to the caller: the descriptor
            // stays valid until the thread has let go, whatever disposal does meanwhile.
            bool added = false;
            _stream.SafePipeHandle.DangerousAddRef(ref added);
            _receiving = new Thread(Receive) { IsBackground = true, Name = "worker replies" };
            _receiving.Start();
        }
        using var cancel = cancellationToken.Register(static s => ((DirectSocketStream)s!).Shutdown(), _socket);
        return await _hello.Task.WaitAsync(cancellationToken);
    }

    public Task SendWelcomeAsync(CancellationToken cancellationToken) =>
        SendAsync(0, static (frames, _) => frames.WriteWelcome(ProtocolLimits.Version), cancellationToken);

    public Task SendErrorAsync(ErrorMessage error, CancellationToken cancellationToken) =>
        SendAsync(error, static (frames, e) => frames.WriteError(e), cancellationToken);

    /// <summary>Routes replies to <paramref name="handler"/> from now on (after the Welcome).</summary>
    /// <exception cref="InvalidOperationException">No Hello was read yet.</exception>
    public void Start(IReplyHandler handler)
    {
        if (Hello is null)
        {
            throw new InvalidOperationException("ReadHelloAsync comes first");
        }
        SetHandler(handler);
    }

    /// <summary>Routes replies to another handler (the next run).</summary>
    public void SetHandler(IReplyHandler handler) => Volatile.Write(ref _handler, handler);

    /// <summary>Writes one or more frames under the send lock and flushes them.</summary>
    public Task SendAsync<TState>(TState state, Action<FrameWriter, TState> write, CancellationToken cancellationToken) =>
        SendAsync(state, write, ReadOnlyMemory<byte>.Empty, cancellationToken);

    /// <summary>
    /// Writes a frame whose last element is a bin payload: <paramref name="write"/> writes everything up to and
    /// including the bin header, and <paramref name="payload"/> then goes from where it lies straight to the
    /// socket, not through the writer's buffers (one copy fewer).
    /// </summary>
    public async Task SendAsync<TState>(TState state, Action<FrameWriter, TState> write, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            write(_frames, state);
            await FlushAsync(cancellationToken);
            if (!payload.IsEmpty)
            {
                await WriteDirectAsync(payload);
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
            await _socket.WriteAsync(payload);
        }
        catch (IOException e)
        {
            throw new WorkerFailedException($"worker {WorkerId} is gone{ExitDescription}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Sends one small frame (a shm descriptor) through the channel once <see cref="OpenChannelAsync"/> has
    /// opened it, waking the worker through the socket only if it was asleep; on the socket otherwise, or when
    /// the frame does not fit a slot or the ring is full.
    /// </summary>
    public async Task PostAsync<TState>(TState state, Action<FrameWriter, TState> write, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (_channelReady)
            {
                _postBuffer.ResetWrittenCount();
                write(_postFrames, state);
                if (_channel!.TryPublish(_postBuffer.WrittenSpan))
                {
                    if (!_channel.PeerParked)
                    {
                        return; // the worker is spinning on the ring: no system call at all
                    }
                    _frames.WriteWake();
                }
                else
                {
                    _output.Write(_postBuffer.WrittenSpan);
                }
            }
            else
            {
                write(_frames, state);
            }
            await FlushAsync(cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Creates this connection's frame channel in <paramref name="directory"/> and has the worker map it; from
    /// then on <see cref="PostAsync"/> uses it. Does nothing when a channel was created already (callers racing
    /// to open it wait for the first); if that one failed, sends keep to the socket.
    /// </summary>
    /// <exception cref="SharedMemoryException">The channel's file cannot be created.</exception>
    /// <exception cref="WorkerFailedException">The worker refused the channel or is gone.</exception>
    public async Task OpenChannelAsync(string directory, CancellationToken cancellationToken)
    {
        await _channelGate.WaitAsync(cancellationToken);
        try
        {
            if (Volatile.Read(ref _channel) is null)
            {
                await CreateChannelAsync(directory, cancellationToken);
            }
        }
        finally
        {
            _channelGate.Release();
        }
    }

    private async Task CreateChannelAsync(string directory, CancellationToken cancellationToken)
    {
        var channel = FrameChannel.Create(directory);
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _channelOpened = opened;
        // Published before the request goes out: the receive thread, woken by the reply on the socket, waits on
        // the channel's ring from its next turn on, before any frame can arrive there.
        Volatile.Write(ref _channel, channel);
        // If this fails the worker never maps it or is gone; the receive thread may still look at the ring, so the
        // channel stays mapped until the connection is disposed, and sends keep to the socket.
        await SendAsync(new AttachRequest(ChannelRequestId, channel.AttachPath, channel.TotalBytes), static (frames, c) => frames.WriteChannel(c), cancellationToken);
        await opened.Task.WaitAsync(cancellationToken);
        await _sendLock.WaitAsync(cancellationToken);
        _channelReady = true;
        _sendLock.Release();
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            var flush = await _output.FlushAsync(cancellationToken);
            if (flush.IsCompleted)
            {
                throw new WorkerFailedException($"worker {WorkerId} stopped reading its pipe{ExitDescription}");
            }
        }
        catch (IOException e)
        {
            throw new WorkerFailedException($"worker {WorkerId} is gone{ExitDescription}: {e.Message}", e);
        }
    }

    /// <summary>Asks the worker to exit; best effort, the pipe may already be gone.</summary>
    public async Task SendShutdownAsync()
    {
        try
        {
            await SendAsync(0, static (frames, _) => frames.WriteShutdown(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is IOException or WorkerFailedException or ObjectDisposedException or TimeoutException or InvalidOperationException)
        {
            // The worker is gone or stuck; the pool kills it after a grace period.
        }
    }

    private void Receive()
    {
        var input = PipeTransport.CreateReader(_socket);
        Exception? error = null;
        bool betweenFrames = true;
        try
        {
            // The Hello first (on the first turn only), then replies until the end of the stream.
            while (Hello is not null || ReceiveHello(input))
            {
                if (Volatile.Read(ref _channel) is { } channel)
                {
                    // Replies in the channel first; then spin on both paths, and sleep on the socket once parked.
                    DrainChannel(channel);
                    // Spin for the next reply, not for the rest of a large one on the socket (see WorkerSession).
                    if (channel.Wait(_socket.Descriptor, betweenFrames ? ReceiveSpinNanoseconds : 0) == WaitReady.Doorbell)
                    {
                        continue;
                    }
                }

                var read = PipeTransport.ReadBlocking(input);
                var buffer = read.Buffer;
                while (FrameReader.TryReadFrame(ref buffer, out var body))
                {
                    Dispatch(body);
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                betweenFrames = buffer.IsEmpty;
                if (read.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        error = new IOException($"worker {WorkerId} closed its pipe in the middle of a frame");
                    }
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or ProtocolException or ObjectDisposedException or InvalidOperationException)
        {
            error = e;
        }
        finally
        {
            input.Complete(error);
            _stream.SafePipeHandle.DangerousRelease();
            _hello.TrySetException(new ProtocolException(ErrorCode.Malformed, "the peer closed the pipe before sending Hello", error));
        }
        if (Hello is null)
        {
            _received.TrySetResult();
            return; // nobody to tell: the pool refuses the connection
        }
        _log.WorkerDisconnected(WorkerId, error?.Message ?? "end of stream");
        _channelOpened?.TrySetException(new WorkerFailedException($"worker {WorkerId} disconnected{ExitDescription} before it mapped the channel"));
        Volatile.Read(ref _handler)?.OnDisconnected(this, error);
        _received.TrySetResult();
    }

    /// <summary>Reads the first frame, which must be Hello; false when the stream ended or held something else.</summary>
    private bool ReceiveHello(PipeReader input)
    {
        while (true)
        {
            var read = PipeTransport.ReadBlocking(input);
            var buffer = read.Buffer;
            if (FrameReader.TryReadFrame(ref buffer, out var body))
            {
                try
                {
                    Hello = FrameReader.ReadHello(body);
                }
                catch (ProtocolException e)
                {
                    _hello.TrySetException(e);
                    return false;
                }
                finally
                {
                    input.AdvanceTo(buffer.Start);
                }
                _hello.TrySetResult(Hello);
                return true;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCompleted)
            {
                return false;
            }
        }
    }

    private void DrainChannel(FrameChannel channel)
    {
        while (channel.TryTakeFrame(_slot, out var body))
        {
            Dispatch(body);
        }
    }

    private void Dispatch(ReadOnlySequence<byte> body)
    {
        var handler = Volatile.Read(ref _handler)
            ?? throw new ProtocolException(ErrorCode.Malformed, $"worker {WorkerId} sent a frame before it was welcomed");
        switch (FrameReader.ReadType(body))
        {
            case MessageType.Result:
                var result = FrameReader.ReadResult(body);
                if (result.Id == ChannelRequestId && _channelOpened is { } opened)
                {
                    opened.TrySetResult();
                    break;
                }
                handler.OnResult(this, result);
                break;
            case MessageType.Error:
                var error = FrameReader.ReadError(body);
                if (error.JobId == ChannelRequestId && _channelOpened is { } refused)
                {
                    refused.TrySetException(new WorkerFailedException($"worker {WorkerId} refused the channel: {error.Code}: {error.Message}"));
                    break;
                }
                handler.OnError(this, error);
                break;
            case MessageType.Wake:
                break; // the loop looks at the channel next anyway
            default:
                throw new ProtocolException(ErrorCode.UnknownKind, $"worker {WorkerId} sent a message a coordinator does not accept");
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
            await _output.CompleteAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(2));
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
            await Completion.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // The loop is stuck in a handler; the socket is shut down, so it ends on its next read.
        }
        _socket.Dispose();
        await _stream.DisposeAsync();
        if (_channel is { } channel && Completion.IsCompleted && await _sendLock.WaitAsync(TimeSpan.FromSeconds(5)))
        {
            // Nobody reads the ring any more (the receive thread is done) and nobody writes it (the send lock).
            _channelReady = false;
            channel.Dispose();
            _sendLock.Release();
        }
        _sendLock.Dispose();
        _channelGate.Dispose();
    }
}
