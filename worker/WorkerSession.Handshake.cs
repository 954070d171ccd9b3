using System.Buffers;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Worker;

/// <summary>The handshake: Hello out, then Welcome (or a refusal) in, within a deadline.</summary>
internal sealed partial class WorkerSession : IDisposable
{
    private ExitCode Handshake()
    {
        _frames.WriteHello(new HelloMessage(ProtocolLimits.Version, _workerId, Environment.ProcessId, _secret, LookupTable.BestKernel.ToString()));
        PipeTransport.FlushBlocking(_output);

        _socket.ReadTimeout = HandshakeTimeoutMs;
        try
        {
            return ReadHandshakeReply();
        }
        catch (TimeoutException)
        {
            _log.Error("the coordinator did not answer the handshake in time");
            return ExitCode.HandshakeRefused;
        }
        catch (ProtocolException e)
        {
            _log.Error($"the coordinator's answer to Hello is not a valid frame: {e.Message}");
            return ExitCode.HandshakeRefused;
        }
        finally
        {
            _socket.ReadTimeout = Timeout.Infinite;
        }
    }

    private ExitCode ReadHandshakeReply()
    {
        while (true)
        {
            var read = PipeTransport.ReadBlocking(_input);
            var buffer = read.Buffer;
            if (FrameReader.TryReadFrame(ref buffer, out var body))
            {
                var outcome = CheckHandshakeReply(body);
                _input.AdvanceTo(buffer.Start);
                return outcome;
            }
            if (read.IsCompleted)
            {
                _log.Error("the coordinator closed the pipe during the handshake");
                return ExitCode.HandshakeRefused;
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private ExitCode CheckHandshakeReply(ReadOnlySequence<byte> body)
    {
        switch (FrameReader.ReadType(body))
        {
            case MessageType.Welcome:
                uint version = FrameReader.ReadWelcome(body);
                if (version == ProtocolLimits.Version)
                {
                    return ExitCode.Success;
                }
                _log.Error($"the coordinator speaks protocol {version}, this worker {ProtocolLimits.Version}");
                return ExitCode.HandshakeRefused;
            case MessageType.Error:
                var error = FrameReader.ReadError(body);
                _log.Error($"handshake refused: {error.Code}: {error.Message}");
                return ExitCode.HandshakeRefused;
            default:
                _log.Error("the coordinator answered the handshake with an unexpected message");
                return ExitCode.HandshakeRefused;
        }
    }
}
