using System.Buffers;
using ProcessFarm.Shared.Imaging;
using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Protocol;

public class FrameCodecTests
{
    private readonly ArrayBufferWriter<byte> _output = new();
    private readonly FrameWriter _writer;

    public FrameCodecTests() => _writer = new FrameWriter(_output);

    [Fact]
    public void Hello_RoundTrips()
    {
        var proof = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var nonce = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();
        _writer.WriteHello(new HelloMessage(3, 7, 4242, proof, "Avx2", nonce));

        var hello = FrameReader.ReadHello(SingleFrame());

        Assert.Equal(3u, hello.Version);
        Assert.Equal(7u, hello.WorkerId);
        Assert.Equal(4242, hello.ProcessId);
        Assert.Equal(proof, hello.Proof);
        Assert.Equal("Avx2", hello.Kernel);
        Assert.Equal(nonce, hello.Nonce);
    }

    [Fact]
    public void ChallengeAndWelcome_RoundTrip()
    {
        var nonce = Enumerable.Range(0, 32).Select(i => (byte)(i * 3)).ToArray();
        _writer.WriteChallenge(nonce);
        Assert.Equal(nonce, FrameReader.ReadChallenge(SingleFrame()));
    }

    [Fact]
    public void HandshakeProof_DependsOnEveryInput()
    {
        byte[] secret = new byte[32];
        byte[] challenge = new byte[32];
        byte[] nonce = new byte[32];
        byte[] proof = HandshakeProof.Hello(secret, challenge, nonce, 1, 2);

        Assert.True(HandshakeProof.Matches(proof, HandshakeProof.Hello(secret, challenge, nonce, 1, 2)));
        Assert.False(HandshakeProof.Matches(proof, HandshakeProof.Hello(secret, challenge, nonce, 2, 2)));
        Assert.False(HandshakeProof.Matches(proof, HandshakeProof.Hello(secret, challenge, nonce, 1, 3)));
        Assert.False(HandshakeProof.Matches(proof, HandshakeProof.Hello(secret, [1, .. challenge[1..]], nonce, 1, 2)));
        Assert.False(HandshakeProof.Matches(proof, HandshakeProof.Hello([1, .. secret[1..]], challenge, nonce, 1, 2)));
        Assert.False(HandshakeProof.Matches(proof, HandshakeProof.Welcome(secret, challenge, nonce)));
        Assert.False(HandshakeProof.Matches(proof, proof.AsSpan(1)));
    }

    [Fact]
    public void ResultWithoutPayload_RoundTrips()
    {
        _writer.WriteResult(99, new WorkerTimings(1500, 2500));

        var body = SingleFrame();
        Assert.Equal(MessageType.Result, FrameReader.ReadType(body));
        var result = FrameReader.ReadResult(body);

        Assert.Equal(99ul, result.Id);
        Assert.Equal(PayloadEncoding.None, result.Encoding);
        Assert.Equal(1500, result.Timings.KernelNs);
        Assert.Equal(2500, result.Timings.TotalNs);
    }

    [Fact]
    public void ResultWithBinaryPayload_RoundTrips()
    {
        byte[] payload = [1, 2, 3, 4, 5];
        _writer.BeginResult(5, PayloadEncoding.Binary, payload.Length);
        _output.Write(payload);
        _writer.EndResult(new WorkerTimings(10_000, 20_000));

        var result = FrameReader.ReadResult(SingleFrame());

        Assert.Equal(5ul, result.Id);
        Assert.Equal(payload, result.Payload.ToArray());
        Assert.Equal(10_000, result.Timings.KernelNs);
    }

    [Fact]
    public void Attach_RoundTrips()
    {
        _writer.WriteAttach(new AttachRequest(3, "/proc/1/fd/9", 1 << 20));

        var attach = FrameReader.ReadAttach(SingleFrame());

        Assert.Equal(new AttachRequest(3, "/proc/1/fd/9", 1 << 20), attach);
    }

    [Fact]
    public void Channel_RoundTrips_AndIsNotAnAttach()
    {
        _writer.WriteChannel(new AttachRequest(ulong.MaxValue, "/proc/1/fd/10", 40960));

        var body = SingleFrame();

        Assert.Equal(MessageType.Channel, FrameReader.ReadType(body));
        Assert.Equal(new AttachRequest(ulong.MaxValue, "/proc/1/fd/10", 40960), FrameReader.ReadChannel(body));
        Assert.Throws<ProtocolException>(() => FrameReader.ReadAttach(body));
    }

    [Fact]
    public void Wake_IsTheOneElementArray()
    {
        _writer.WriteWake();

        var body = SingleFrame();

        Assert.Equal([0x91, 0x09], body.ToArray()); // [9]
        Assert.Equal(MessageType.Wake, FrameReader.ReadType(body));
    }

    [Fact]
    public void LutJobInRegion_RoundTrips()
    {
        var parameters = new LutRegionParameters(0.5, 2.2, new TileShape(10, 4, 3), 4096, 8192);
        _writer.WriteJob(11, parameters);

        var job = FrameReader.ReadJob(SingleFrame());

        Assert.Equal(11ul, job.Id);
        Assert.Equal(JobKind.LutRegion, job.Kind);
        Assert.Equal(parameters, job.Parameters);
        Assert.Equal(PayloadEncoding.None, job.Encoding);
    }

    public static TheoryData<JobParameters> EveryKind() =>
    [
        new LutTileParameters(-1.5, 0.8, new TileShape(int.MaxValue, 1, 1)),
        new LutRegionParameters(0, 1, new TileShape(1, 1, 4), 0, long.MaxValue),
        EchoParameters.Instance,
        new EchoRegionParameters(long.MaxValue, 0),
        new FibParameters(FibParameters.MaxN),
        new FileJobParameters(1, 2.2, "/in/ä.jpg", "/out/b.png", 1, long.MaxValue),
        new FileBytesJobParameters(-1, 0.5, ".TIFF", 100, 1, CodecChoice.ImageSharp, 1),
        new FileBytesJobParameters(0, 1, ".jpg"),
    ];

    [Theory]
    [MemberData(nameof(EveryKind))]
    public void EveryJobKind_RoundTripsItsParameters_AtTheEdgesOfTheirRanges(JobParameters parameters)
    {
        if (parameters.Payload == PayloadRule.Nil)
        {
            _writer.WriteJob(ulong.MaxValue, parameters);
        }
        else
        {
            // The reader does not compare a tile's size with its payload: the worker does, when it runs the job.
            _writer.WriteJob(ulong.MaxValue, parameters, [1, 2]);
        }

        var job = FrameReader.ReadJob(SingleFrame());
        Assert.Equal(ulong.MaxValue, job.Id);
        Assert.Equal(parameters, job.Parameters);
    }

    [Fact]
    public void FileBytesResult_CarriesTheEncodedOutput_AfterTheFileMap()
    {
        // Arrange: the map as a worker writes it, the output bytes streamed after its bin header.
        byte[] output = [.. Enumerable.Range(0, 300).Select(i => (byte)i)];
        var scratch = new ArrayBufferWriter<byte>();
        var writer = new global::MessagePack.MessagePackWriter(scratch);
        var done = new FileJobResult(4, 3, 3, output.Length, 1, 2, 3);
        done.WriteUpToOutput(ref writer, output.Length);
        writer.Flush();
        scratch.Write(output);

        // Act
        var read = FileJobResult.Read(new ReadOnlySequence<byte>(scratch.WrittenMemory));

        // Assert
        Assert.True(read.HasOutput);
        Assert.Equal(output, read.Output.ToArray());
        Assert.Equal(done, read with { Output = default, HasOutput = false });
        Assert.False(FileJobResult.Read(Encoded(done)).HasOutput);
    }

    private static ReadOnlySequence<byte> Encoded(FileJobResult result)
    {
        var scratch = new ArrayBufferWriter<byte>();
        var writer = new global::MessagePack.MessagePackWriter(scratch);
        result.Write(ref writer);
        writer.Flush();
        return new ReadOnlySequence<byte>(scratch.WrittenMemory);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(1 << 30)]
    public void BinHeader_IsTheLibrarysHeader_WithoutReservingThePayload(int length)
    {
        var library = new ArrayBufferWriter<byte>();
        var reference = new global::MessagePack.MessagePackWriter(library);
        reference.WriteBinHeader(length);
        reference.Flush();

        var ours = new ArrayBufferWriter<byte>(16);
        var writer = new global::MessagePack.MessagePackWriter(ours);
        FrameWriter.WriteBinHeader(ref writer, length);
        writer.Flush();

        Assert.Equal(library.WrittenSpan.ToArray(), ours.WrittenSpan.ToArray());
        Assert.True(ours.Capacity < 1024, $"the header's buffer grew to {ours.Capacity} bytes");
    }

    [Fact]
    public void WriteJob_APayloadTheKindDoesNotTake_Throws()
    {
        Assert.Throws<ArgumentException>(() => _writer.WriteJob(1, new FibParameters(3), [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => _writer.WriteJob(1, new LutTileParameters(0, 1, new TileShape(1, 1, 1))));
    }

    [Fact]
    public void Error_RoundTrips_WithAndWithoutId()
    {
        _writer.WriteError(new ErrorMessage(8, ErrorCode.OutOfRange, "outside"));
        _writer.WriteError(new ErrorMessage(null, ErrorCode.Malformed, "bad"));

        var buffer = new ReadOnlySequence<byte>(_output.WrittenMemory);
        Assert.True(FrameReader.TryReadFrame(ref buffer, out var first));
        Assert.True(FrameReader.TryReadFrame(ref buffer, out var second));
        Assert.True(buffer.IsEmpty);
        Assert.Equal(new ErrorMessage(8, ErrorCode.OutOfRange, "outside"), FrameReader.ReadError(first));
        Assert.Equal(new ErrorMessage(null, ErrorCode.Malformed, "bad"), FrameReader.ReadError(second));
    }

    private ReadOnlySequence<byte> SingleFrame()
    {
        var buffer = new ReadOnlySequence<byte>(_output.WrittenMemory);
        Assert.True(FrameReader.TryReadFrame(ref buffer, out var body));
        Assert.True(buffer.IsEmpty);
        return body;
    }
}
