using System.Buffers;
using System.IO.Pipelines;
using ProcessFarm.Shared.MessagePack;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Worker;

/// <summary>
/// One connection to the coordinator: handshake, then read frames and answer each until Shutdown or the end of
/// the stream. All of it runs on one thread: a worker serves one job at a time, and the coordinator keeps a few
/// in flight so the next job is already in the socket while this one runs. The socket is a
/// <see cref="DirectSocketStream"/>, whose reads and writes complete on the calling thread, so the session is
/// plain synchronous code over System.IO.Pipelines (no async state machines to compile at start-up either).
/// </summary>
internal sealed partial class WorkerSession : IDisposable
{
    private const int FlushThresholdBytes = 1 << 20;
    private static readonly OperationCanceledException s_closed = new("the session is over");
    private const int HandshakeTimeoutMs = 10_000;

    /// <summary>
    /// How long the worker spins on its frame channel for the next descriptor before it sleeps: long enough to
    /// catch a coordinator that answers one reply with the next job (a shm round trip is 2-5 us), short enough to
    /// cost nothing when idle.
    /// </summary>
    public const long SpinNanoseconds = 50_000;

    private readonly DirectSocketStream _socket;
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly FrameWriter _frames;
    private readonly JobExecutor _executor;
    private readonly uint _workerId;
    private readonly byte[] _secret;
    private readonly WorkerLog _log;
    private readonly FaultInjection _faults;
    private readonly byte[] _slot = new byte[FrameChannel.MaxFrameBytes];
    private readonly ArrayBufferWriter<byte> _channelReply = new(1024);
    private readonly FrameWriter _channelFrames;
    private FrameChannel? _channel;
    private bool _betweenFrames = true;

    /// <summary>A session over <paramref name="stream"/>: <paramref name="socket"/> itself, or TLS over it.</summary>
    /// <remarks>Borrows both; the socket is also what the hang-up watch and the channel's wait look at.</remarks>
    public WorkerSession(Stream stream, DirectSocketStream socket, uint workerId, byte[] secret, WorkerLog log, FaultInjection faults)
    {
        _socket = socket;
        _stream = stream;
        _input = PipeTransport.CreateReader(stream);
        _output = PipeTransport.CreateWriter(stream);
        _frames = new FrameWriter(_output, WriteDirect);
        _channelFrames = new FrameWriter(_channelReply);
        _executor = new JobExecutor();
        _workerId = workerId;
        _secret = secret;
        _log = log;
        _faults = faults;
    }

    public ExitCode Run()
    {
        try
        {
            var handshake = Handshake();
            if (handshake != ExitCode.Success)
            {
                return handshake;
            }
            WatchForHangup();
            JobExecutor.WarmUp();
            return Serve();
        }
        catch (IOException e) when (e is not EndOfStreamException)
        {
            return ExitCode.Success; // the socket failed: the coordinator went away, nothing left to serve
        }
    }

    private ExitCode Serve()
    {
        while (true)
        {
            if (_channel is { } channel)
            {
                // Frames in the channel first; then spin on both paths, and sleep on the socket once parked.
                try
                {
                    ServeChannel(channel);
                }
                catch (ProtocolException e)
                {
                    return Fail(e); // a broken slot: the channel cannot be trusted
                }
                // Spin for the next frame, not for the rest of a large one on the socket: that is a bulk transfer
                // under way, and a spinning reader would take a core from the writer it waits for.
                if (channel.Wait(_socket.Descriptor, _betweenFrames ? SpinNanoseconds : 0) == WaitReady.Doorbell)
                {
                    continue;
                }
            }

            var read = PipeTransport.ReadBlocking(_input);
            if (read.IsCompleted)
            {
                // The coordinator is gone: whatever it sent last has nobody to answer to (docs/PROTOCOL.md, "Shutdown").
                return ExitCode.Success;
            }
            var buffer = read.Buffer;
            bool shutdown = false;
            try
            {
                // Answer every complete frame in this read, then flush once.
                while (!shutdown && FrameReader.TryReadFrame(ref buffer, out var body))
                {
                    shutdown = !Handle(body, _frames);
                    if (_output.UnflushedBytes >= FlushThresholdBytes)
                    {
                        PipeTransport.FlushBlocking(_output);
                    }
                }
            }
            catch (ProtocolException e) when (e.Code == ErrorCode.FrameTooLarge)
            {
                // The stream cannot be resynchronised after a bad length: say why and close.
                return Fail(e);
            }

            // Consumed up to the first incomplete frame; examined everything so the next read waits for more.
            _input.AdvanceTo(buffer.Start, buffer.End);
            _betweenFrames = buffer.IsEmpty;
            PipeTransport.FlushBlocking(_output);
            if (shutdown)
            {
                return ExitCode.Success;
            }
        }
    }

    /// <summary>
    /// A thread that waits for the coordinator to close the socket and then ends the process at once, even in the
    /// middle of a job (a fib job or a large file can take seconds): a worker never outlives its coordinator's
    /// connection, whether or not it was started with <c>--parent</c>. Nobody is left to read a reply.
    /// </summary>
    private void WatchForHangup()
    {
        int descriptor = _socket.Descriptor;
        var watch = new Thread(() =>
        {
            try
            {
                SocketIo.WaitForHangup(descriptor);
            }
            catch (IOException)
            {
                return; // the socket is already closed: the worker is ending anyway
            }
            ImmediateExit.Now((int)ExitCode.Success);
        })
        {
            IsBackground = true,
            Name = "hangup watch",
        };
        watch.Start();
    }

    /// <summary>A large reply payload goes from where it lies (the receive buffer, the re-encoding) to the socket.</summary>
    private void WriteDirect(ReadOnlySpan<byte> payload)
    {
        PipeTransport.FlushBlocking(_output);
        _stream.Write(payload);
    }

    private ExitCode Fail(ProtocolException e)
    {
        _frames.WriteError(new ErrorMessage(null, e.Code, e.Message));
        PipeTransport.FlushBlocking(_output);
        _log.Error(e.Message);
        return ExitCode.ProtocolError;
    }

    /// <summary>Answers one frame, writing any reply to <paramref name="replies"/>; returns false on Shutdown.</summary>
    private bool Handle(ReadOnlySequence<byte> body, FrameWriter replies)
    {
        try
        {
            switch (FrameReader.ReadType(body))
            {
                case MessageType.Job:
                    var job = FrameReader.ReadJob(body);
                    _faults.OnJob((job.Parameters as FileJobParameters)?.InputPath);
                    _executor.Execute(job, replies);
                    return true;
                case MessageType.Attach:
                    _faults.OnAttach();
                    _executor.Attach(FrameReader.ReadAttach(body), replies);
                    return true;
                case MessageType.Channel:
                    OpenChannel(FrameReader.ReadChannel(body), replies);
                    return true;
                case MessageType.Wake:
                    return true; // the loop looks at the channel next anyway
                case MessageType.Shutdown:
                    return false;
                case var other:
                    throw new ProtocolException(ErrorCode.UnexpectedMessage,
                        $"a worker accepts Job, Attach, Channel, Wake and Shutdown after the handshake, not {other}");
            }
        }
        catch (ProtocolException e)
        {
            // A bad frame gets an error reply; the framing is intact, so the connection serves on.
            replies.WriteError(new ErrorMessage(FrameReader.TryReadRequestId(body), e.Code, e.Message));
            return true;
        }
        catch (Exception e) when (MessagePackReading.IsDecodingFailure(e))
        {
            // The frame reader maps these already; one that escaped it (an EndOfStreamException is an IOException)
            // must still be this frame's Malformed, never taken for the coordinator going away.
            replies.WriteError(new ErrorMessage(FrameReader.TryReadRequestId(body), ErrorCode.Malformed, e.Message));
            return true;
        }
    }

    public void Dispose()
    {
        _channel?.Dispose();
        _executor.Dispose();
        _input.Complete();
        // Completing with an exception discards what is still buffered instead of flushing it: every reply was
        // flushed already, and a coordinator that is gone would turn that flush into an unhandled IOException.
        _output.Complete(s_closed);
    }
}
