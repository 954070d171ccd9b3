using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Coordinator.Workers;

/// <summary>The receive thread: the Hello, then every reply, handed to the reply handler on this thread.</summary>
internal sealed partial class WorkerConnection
{
    /// <summary>
    /// How long the receive thread spins on the frame channel for the next reply before it sleeps: a reply
    /// within a small job's round trip is picked up without a wake-up.
    /// </summary>
    public const long ReceiveSpinNanoseconds = 50_000;

    /// <summary>Starts the receive thread, which reads the worker's Hello first.</summary>
    /// <exception cref="ProtocolException">The first frame is not a valid Hello, or the stream ended.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the socket is then shut down.</exception>
    /// <exception cref="WorkerFailedException">The receive thread cannot be created.</exception>
    public async Task<HelloMessage> ReadHelloAsync(CancellationToken cancellationToken)
    {
        StartReceiving();
        using var cancel = cancellationToken.Register(static s => ((DirectSocketStream)s!).Shutdown(), _socket);
        return await _hello.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// With TLS, starts the receive thread, which first completes the TLS handshake as the server; returns when it
    /// has. Without TLS, returns at once. The protocol's own handshake (Challenge, Hello) follows inside TLS.
    /// </summary>
    /// <exception cref="IOException">The peer did not complete a TLS handshake (a plain client, another protocol, a closed socket).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the socket is then shut down.</exception>
    /// <exception cref="WorkerFailedException">The receive thread cannot be created.</exception>
    public async Task SecureAsync(CancellationToken cancellationToken)
    {
        if (_secured is null)
        {
            return;
        }
        StartReceiving();
        using var cancel = cancellationToken.Register(static s => ((DirectSocketStream)s!).Shutdown(), _socket);
        await _secured.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>TLS connections: completes when the TLS handshake has; null without TLS.</summary>
    private readonly TaskCompletionSource? _secured;

    private void StartReceiving()
    {
        if (_receiving is null)
        {
            // The thread's own reference, taken here where a disposed handle throws to the caller: the descriptor
            // stays valid until the thread has let go, whatever disposal does meanwhile.
            bool added = false;
            _handle.DangerousAddRef(ref added);
            try
            {
                _receiving = new Thread(Receive) { IsBackground = true, Name = "worker replies" };
                _receiving.Start();
            }
            catch (OutOfMemoryException e)
            {
                _receiving = null;
                _handle.DangerousRelease();
                throw new WorkerFailedException("cannot create a thread for the worker's replies: out of memory (is the address-space limit, ulimit -v, too low?)", e);
            }
        }
    }

    private void Receive()
    {
        var input = PipeTransport.CreateReader(_stream);
        Exception? error = null;
        bool betweenFrames = true;
        try
        {
            // With TLS its handshake first; then the Hello (on the first turn only), then replies until the end of the stream.
            bool secured = _tls is null || Authenticate(_tls);
            while (secured && (Hello is not null || ReceiveHello(input)))
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
                // Until a handler takes the replies, the peer is not yet let in (its proof is being checked) and has
                // nothing to send: a frame larger than the handshake's is a stranger's, not a reply.
                uint limit = Volatile.Read(ref _handler) is null ? ProtocolLimits.MaxHandshakeFrameBytes : ProtocolLimits.MaxFrameBytes;
                while (FrameReader.TryReadFrame(ref buffer, out var body, limit))
                {
                    _bytesReceived += body.Length + ProtocolLimits.FrameHeaderSize; // only this thread writes it
                    Dispatch(body);
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                betweenFrames = buffer.IsEmpty;
                if (read.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        error = new IOException("closed its socket in the middle of a frame");
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
            _handle.DangerousRelease();
            _hello.TrySetException(new ProtocolException(ErrorCode.Malformed, "the peer closed the pipe before sending Hello", error));
            _secured?.TrySetException(new IOException("the peer closed the connection during the TLS handshake", error));
        }
        if (Hello is null)
        {
            _received.TrySetResult();
            return; // nobody to tell: the pool refuses the connection
        }
        _log.WorkerDisconnected(WorkerId, error?.Message ?? "end of stream");
        _channelOpened?.TrySetException(new WorkerFailedException(WorkerId, $"disconnected{ExitDescription} before it mapped the channel"));
        Volatile.Read(ref _handler)?.OnDisconnected(this, error);
        _received.TrySetResult();
    }

    /// <summary>The TLS handshake, on this thread (its reads block in the socket like every other read here); false if it failed.</summary>
    private bool Authenticate(SslStream tls)
    {
        try
        {
            tls.AuthenticateAsServer(_tlsOptions!);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or ObjectDisposedException)
        {
            _secured!.TrySetException(new IOException($"no TLS handshake: {e.Message}", e));
            return false;
        }
        _secured!.TrySetResult();
        return true;
    }

    /// <summary>Reads the first frame, which must be Hello; false when the stream ended or held something else.</summary>
    private bool ReceiveHello(PipeReader input)
    {
        while (true)
        {
            ReadOnlySequence<byte> body;
            var read = PipeTransport.ReadBlocking(input);
            var buffer = read.Buffer;
            bool complete;
            try
            {
                complete = FrameReader.TryReadFrame(ref buffer, out body, ProtocolLimits.MaxHandshakeFrameBytes);
            }
            catch (ProtocolException e)
            {
                _hello.TrySetException(e);
                return false;
            }
            if (complete)
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
            ?? throw new ProtocolException(ErrorCode.Malformed, "sent a frame before it was welcomed");
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
                    refused.TrySetException(new WorkerFailedException(WorkerId, $"refused the channel: {error.Code}: {error.Message}"));
                    break;
                }
                handler.OnError(this, error);
                break;
            case MessageType.Wake:
                break; // the loop looks at the channel next anyway
            default:
                throw new ProtocolException(ErrorCode.UnknownKind, "sent a message a coordinator does not accept");
        }
    }
}
