using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ProcessFarm.Shared.Protocol;
using ProcessFarm.Tests.Integration;
using Xunit;

namespace ProcessFarm.Tests.Protocol;

/// <summary>
/// docs/PROTOCOL.md's worked handshake example (section 3, "Handshake"), read from the document itself: its proofs are
/// what <see cref="HandshakeProof"/> computes, its proof messages are laid out as the document says, and its three
/// frames are the bytes <see cref="FrameWriter"/> writes and <see cref="FrameReader"/> reads. The example cannot
/// drift from the code without this failing.
/// </summary>
public partial class HandshakeVectorTests
{
    private const string VectorBegin = "<!-- handshake-vector:begin -->";
    private const string VectorEnd = "<!-- handshake-vector:end -->";

    private readonly Dictionary<string, string> _vector = ReadVector();

    private byte[] Secret => Bytes("secret");

    private byte[] Challenge => Bytes("challenge");

    private byte[] Nonce => Bytes("nonce");

    private uint WorkerId => uint.Parse(_vector["worker_id"], CultureInfo.InvariantCulture);

    private int ProcessId => int.Parse(_vector["pid"], CultureInfo.InvariantCulture);

    [Fact]
    public void Vector_HasThirtyTwoByteInputs()
    {
        Assert.Equal(ProtocolLimits.SecretBytes, Secret.Length);
        Assert.Equal(ProtocolLimits.NonceBytes, Challenge.Length);
        Assert.Equal(ProtocolLimits.NonceBytes, Nonce.Length);
    }

    [Fact]
    public void HelloProof_IsWhatHandshakeProofComputes()
    {
        byte[] proof = HandshakeProof.Hello(Secret, Challenge, Nonce, WorkerId, ProcessId);

        Assert.Equal(_vector["hello_proof"], Convert.ToHexStringLower(proof));
        Assert.Equal(ProtocolLimits.ProofBytes, proof.Length);
    }

    [Fact]
    public void WelcomeProof_IsWhatHandshakeProofComputes()
    {
        byte[] proof = HandshakeProof.Welcome(Secret, Challenge, Nonce);

        Assert.Equal(_vector["welcome_proof"], Convert.ToHexStringLower(proof));
    }

    [Fact]
    public void ProofMessages_AreLaidOutAsDocumented_AndHashToTheProofs()
    {
        // The layout table: label, challenge, nonce, then (Hello only) worker_id and pid as 32-bit big-endian.
        byte[] ids = new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(ids, WorkerId);
        BinaryPrimitives.WriteInt32BigEndian(ids.AsSpan(4), ProcessId);
        byte[] hello = [.. "processfarm hello 3"u8, .. Challenge, .. Nonce, .. ids];
        byte[] welcome = [.. "processfarm welcome 3"u8, .. Challenge, .. Nonce];

        Assert.Equal(91, hello.Length);
        Assert.Equal(85, welcome.Length);
        Assert.Equal(_vector["Hello's message"], Convert.ToHexStringLower(hello));
        Assert.Equal(_vector["Welcome's message"], Convert.ToHexStringLower(welcome));
        Assert.Equal(_vector["hello_proof"], Convert.ToHexStringLower(HMACSHA256.HashData(Secret, hello)));
        Assert.Equal(_vector["welcome_proof"], Convert.ToHexStringLower(HMACSHA256.HashData(Secret, welcome)));
    }

    [Fact]
    public void AnotherWorkerIdOrPid_GivesAnotherProof()
    {
        byte[] documented = Convert.FromHexString(_vector["hello_proof"]);

        Assert.False(HandshakeProof.Matches(documented, HandshakeProof.Hello(Secret, Challenge, Nonce, WorkerId + 1, ProcessId)));
        Assert.False(HandshakeProof.Matches(documented, HandshakeProof.Hello(Secret, Challenge, Nonce, WorkerId, ProcessId + 1)));
        Assert.False(HandshakeProof.Matches(documented, HandshakeProof.Welcome(Secret, Challenge, Nonce)));
    }

    [Fact]
    public void Frames_AreTheBytesFrameWriterWrites()
    {
        var frames = ReadFrames();
        Assert.Equal(3, frames.Count);
        byte[] helloProof = HandshakeProof.Hello(Secret, Challenge, Nonce, WorkerId, ProcessId);

        Assert.Equal(Hex(frames[0]), Hex(Write(f => f.WriteChallenge(Challenge))));
        Assert.Equal(Hex(frames[1]), Hex(Write(f => f.WriteHello(new HelloMessage(ProtocolLimits.Version, WorkerId, ProcessId, helloProof, "Avx2", Nonce)))));
        Assert.Equal(Hex(frames[2]), Hex(Write(f => f.WriteWelcome(new WelcomeMessage(ProtocolLimits.Version, HandshakeProof.Welcome(Secret, Challenge, Nonce))))));
    }

    [Fact]
    public void Frames_ReadBackToTheVector()
    {
        var frames = ReadFrames();

        Assert.Equal(Challenge, FrameReader.ReadChallenge(Body(frames[0])));
        var hello = FrameReader.ReadHello(Body(frames[1]));
        Assert.Equal((ProtocolLimits.Version, WorkerId, ProcessId, "Avx2"), (hello.Version, hello.WorkerId, hello.ProcessId, hello.Kernel));
        Assert.Equal(Nonce, hello.Nonce);
        var welcome = FrameReader.ReadWelcome(Body(frames[2]));
        Assert.Equal(ProtocolLimits.Version, welcome.Version);

        // What a coordinator and a worker would conclude from these frames: both proofs verify.
        Assert.True(HandshakeProof.Matches(hello.Proof, HandshakeProof.Hello(Secret, Challenge, hello.Nonce, hello.WorkerId, hello.ProcessId)));
        Assert.True(HandshakeProof.Matches(welcome.Proof, HandshakeProof.Welcome(Secret, Challenge, hello.Nonce)));
    }

    private byte[] Bytes(string name) => Convert.FromHexString(_vector[name]);

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static byte[] Write(Action<FrameWriter> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(new FrameWriter(output));
        return output.WrittenSpan.ToArray();
    }

    private static ReadOnlySequence<byte> Body(byte[] frame)
    {
        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.True(FrameReader.TryReadFrame(ref buffer, out var body), "the documented frame is incomplete");
        Assert.True(buffer.IsEmpty, "bytes follow the documented frame");
        return body;
    }

    private static string Document() => File.ReadAllText(ProtocolConformanceTests.ProtocolDocument);

    /// <summary>The vector table's rows: <c>| name | `value` |</c>.</summary>
    private static Dictionary<string, string> ReadVector()
    {
        string text = Document();
        int begin = text.IndexOf(VectorBegin, StringComparison.Ordinal);
        int end = text.IndexOf(VectorEnd, StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "PROTOCOL.md has no handshake vector");
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match row in VectorRow().Matches(text[begin..end]))
        {
            rows.Add(row.Groups["name"].Value.Trim(), row.Groups["value"].Value);
        }
        return rows;
    }

    /// <summary>
    /// The first three fenced blocks after the vector: the Challenge, the Hello and the Welcome. Each line's leading
    /// two-digit hex tokens are bytes; the rest of the line is commentary.
    /// </summary>
    private static List<byte[]> ReadFrames()
    {
        string text = Document();
        int from = text.IndexOf(VectorEnd, StringComparison.Ordinal);
        Assert.True(from >= 0, "PROTOCOL.md has no handshake vector");
        var frames = new List<byte[]>();
        foreach (Match block in FencedBlock().Matches(text, from))
        {
            var bytes = new List<byte>();
            foreach (string line in block.Groups["body"].Value.Split('\n'))
            {
                foreach (string token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (token.Length != 2 || !token.All(char.IsAsciiHexDigitLower))
                    {
                        break;
                    }
                    bytes.Add(byte.Parse(token, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
            frames.Add([.. bytes]);
            if (frames.Count == 3)
            {
                break;
            }
        }
        return frames;
    }

    [GeneratedRegex(@"^\| (?<name>[^|`]+) \| `(?<value>[0-9a-f]+)` \|$", RegexOptions.Multiline)]
    private static partial Regex VectorRow();

    [GeneratedRegex(@"^```\n(?<body>.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();
}
