using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.IO.Pipes;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>
/// Speaks the protocol with one worker over its pipe (the Broker half; <see cref="WorkerProcess"/> launches).
/// One receive loop per connection; sends are serialized by a lock so frames never interleave.
/// </summary>
internal sealed class WorkerConnection : IAsyncDisposable
{
    private readonly NamedPipeServerStream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly FrameWriter _frames;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CoordinatorLog _log;
    private IReplyHandler? _handler;
    private Task? _receiving;
    private int _disposed;

    public WorkerConnection(NamedPipeServerStream stream, CoordinatorLog log)
    {
        _stream = stream;
        _log = log;
        _input = PipeTransport.CreateReader(stream);
        _output = PipeTransport.CreateWriter(stream);
        _frames = new FrameWriter(_output);
    }

    public HelloMessage? Hello { get; private set; }

    public uint WorkerId => Hello?.WorkerId ?? uint.MaxValue;

    public WorkerProcess? Process { get; set; }

    /// <summary>Spawn to Welcome, in milliseconds.</summary>
    public double ReadyMs { get; set; }

    /// <summary>", exit code N" once the worker process has exited, else empty.</summary>
    public string ExitDescription => Process is { HasExited: true } process ? $" (exit code {process.ExitCode})" : string.Empty;

    /// <summary>Completes when the receive loop ends.</summary>
    public Task Completion => _receiving ?? Task.CompletedTask;

    /// <summary>Reads the worker's Hello.</summary>
    /// <exception cref="ProtocolException">The first frame is not a valid Hello, or the stream ended.</exception>
    public async Task<HelloMessage> ReadHelloAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await _input.ReadAsync(cancellationToken);
            var buffer = read.Buffer;
            if (FrameReader.TryReadFrame(ref buffer, out var body))
            {
                try
                {
                    Hello = FrameReader.ReadHello(body);
                    return Hello;
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start);
                }
            }
            if (read.IsCompleted)
            {
                throw new ProtocolException(ErrorCode.Malformed, "the peer closed the pipe before sending Hello");
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public Task SendWelcomeAsync(CancellationToken cancellationToken) =>
        SendAsync(0, static (frames, _) => frames.WriteWelcome(ProtocolLimits.Version), cancellationToken);

    public Task SendErrorAsync(ErrorMessage error, CancellationToken cancellationToken) =>
        SendAsync(error, static (frames, e) => frames.WriteError(e), cancellationToken);

    /// <summary>Starts the receive loop; replies go to <paramref name="handler"/>.</summary>
    public void Start(IReplyHandler handler)
    {
        _handler = handler;
        _receiving ??= Task.Run(DoReceiveAsync);
    }

    /// <summary>Routes replies to another handler (the next run).</summary>
    public void SetHandler(IReplyHandler handler) => Volatile.Write(ref _handler, handler);

    /// <summary>Writes one or more frames under the send lock and flushes them.</summary>
    public async Task SendAsync<TState>(TState state, Action<FrameWriter, TState> write, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            write(_frames, state);
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
        finally
        {
            _sendLock.Release();
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

    private async Task DoReceiveAsync()
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var read = await _input.ReadAsync();
                var buffer = read.Buffer;
                while (FrameReader.TryReadFrame(ref buffer, out var body))
                {
                    Dispatch(body);
                }
                _input.AdvanceTo(buffer.Start, buffer.End);
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
            await _input.CompleteAsync(error);
        }
        _log.WorkerDisconnected(WorkerId, error?.Message ?? "end of stream");
        Volatile.Read(ref _handler)?.OnDisconnected(this, error);
    }

    private void Dispatch(ReadOnlySequence<byte> body)
    {
        var handler = Volatile.Read(ref _handler);
        Debug.Assert(handler is not null, "Start sets a handler before the loop runs.");
        switch (FrameReader.ReadType(body))
        {
            case MessageType.Result:
                handler.OnResult(this, FrameReader.ReadResult(body));
                break;
            case MessageType.Error:
                handler.OnError(this, FrameReader.ReadError(body));
                break;
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
            await _output.CompleteAsync();
        }
        catch (IOException)
        {
            // Completing flushes what a failed send left behind; a dead worker cannot take it. Teardown goes on.
        }
        // Closing the stream ends the receive loop's pending read.
        await _stream.DisposeAsync();
        try
        {
            await Completion.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // The loop is stuck in a handler; the stream is closed, so it ends on its next read.
        }
        _sendLock.Dispose();
    }
}
