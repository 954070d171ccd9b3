using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using ProcessFarm.Shared.Native;
using ProcessFarm.Shared.Protocol;

namespace ProcessFarm.Worker;

/// <summary>
/// The handshake (docs/PROTOCOL.md, "Handshake"): Challenge in, Hello with the proof out, then Welcome with the
/// coordinator's proof (or a refusal) in, all within a deadline. The secret itself never crosses the socket.
/// </summary>
internal sealed partial class WorkerSession : IDisposable
{
    private ExitCode Handshake()
    {
        _socket.ReadTimeout = HandshakeTimeoutMs;
        try
        {
            if (ReadHandshakeFrame(CheckChallenge) is not { } challenge)
            {
                return ExitCode.HandshakeRefused;
            }
            byte[] nonce = RandomNumberGenerator.GetBytes(ProtocolLimits.NonceBytes);
            byte[] proof = HandshakeProof.Hello(_secret, challenge, nonce, _workerId, Environment.ProcessId);
            _frames.WriteHello(new HelloMessage(ProtocolLimits.Version, _workerId, Environment.ProcessId, proof, LookupTable.BestKernel.ToString(), nonce));
            PipeTransport.FlushBlocking(_output);
            return ReadHandshakeFrame<ExitCode?>(body => CheckHandshakeReply(body, challenge, nonce)) ?? ExitCode.HandshakeRefused;
        }
        catch (TimeoutException)
        {
            _log.Error("the coordinator did not complete the handshake in time");
            return ExitCode.HandshakeRefused;
        }
        catch (ProtocolException e)
        {
            _log.Error($"the coordinator's handshake frame is not valid: {e.Message}");
            return ExitCode.HandshakeRefused;
        }
        finally
        {
            _socket.ReadTimeout = Timeout.Infinite;
        }
    }

    /// <summary>Reads one frame and hands it to <paramref name="check"/>; null when the coordinator closed the socket.</summary>
    /// <remarks>The frame must arrive whole within <see cref="HandshakeTimeoutMs"/>, not each read (a trickling peer).</remarks>
    private T? ReadHandshakeFrame<T>(Func<ReadOnlySequence<byte>, T> check)
    {
        _socket.ReadDeadline = Stopwatch.GetTimestamp() + (HandshakeTimeoutMs * Stopwatch.Frequency / 1000);
        try
        {
            return ReadHandshakeFrameUntilDeadline(check);
        }
        finally
        {
            _socket.ReadDeadline = 0;
        }
    }

    private T? ReadHandshakeFrameUntilDeadline<T>(Func<ReadOnlySequence<byte>, T> check)
    {
        while (true)
        {
            var read = PipeTransport.ReadBlocking(_input);
            var buffer = read.Buffer;
            if (FrameReader.TryReadFrame(ref buffer, out var body))
            {
                try
                {
                    return check(body);
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start);
                }
            }
            if (read.IsCompleted)
            {
                _log.Error("the coordinator closed the connection during the handshake");
                return default;
            }
            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private byte[]? CheckChallenge(ReadOnlySequence<byte> body)
    {
        if (FrameReader.ReadType(body) != MessageType.Challenge)
        {
            _log.Error("the coordinator did not open the handshake with a Challenge (protocol 3)");
            return null;
        }
        byte[] nonce = FrameReader.ReadChallenge(body);
        if (nonce.Length != ProtocolLimits.NonceBytes)
        {
            _log.Error($"the coordinator's challenge has {nonce.Length} bytes, not {ProtocolLimits.NonceBytes}");
            return null;
        }
        return nonce;
    }

    private ExitCode CheckHandshakeReply(ReadOnlySequence<byte> body, byte[] challenge, byte[] nonce)
    {
        switch (FrameReader.ReadType(body))
        {
            case MessageType.Welcome:
                var welcome = FrameReader.ReadWelcome(body);
                if (welcome.Version != ProtocolLimits.Version)
                {
                    _log.Error($"the coordinator speaks protocol {welcome.Version}, this worker {ProtocolLimits.Version}");
                    return ExitCode.HandshakeRefused;
                }
                if (!HandshakeProof.Matches(welcome.Proof, HandshakeProof.Welcome(_secret, challenge, nonce)))
                {
                    // Someone who does not hold the run's secret answered: a worker takes no jobs from it.
                    _log.Error("the coordinator's Welcome does not prove the run's secret");
                    return ExitCode.HandshakeRefused;
                }
                return ExitCode.Success;
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
