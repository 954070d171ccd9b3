using System.Reflection;
using System.Runtime.InteropServices;
using NetArchTest.Rules;
using ProcessFarm.Coordinator.Execution;
using ProcessFarm.Shared.Imaging;
using Xunit;

namespace ProcessFarm.Tests.Architecture;

/// <summary>
/// The arrows of DESIGN.md, inside the assemblies as well as between them: coordinator -> shared &lt;- worker;
/// shared -> native, and only shared/Native touches native code; within shared the codec knows nothing else and the
/// shared region knows no protocol; only the codec seam's insides know ImageSharp; within the coordinator only the
/// command line knows the command line.
/// </summary>
public class ArchitectureTests
{
    private static readonly Assembly s_shared = typeof(PixelBuffer).Assembly;
    private static readonly Assembly s_coordinator = typeof(ExecutionMode).Assembly;
    private static readonly Assembly s_worker = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "processfarm-worker.dll"));

    [Fact]
    public void Coordinator_DoesNotReferenceTheWorker() =>
        Assert.DoesNotContain("processfarm-worker", s_coordinator.GetReferencedAssemblies().Select(a => a.Name));

    [Fact]
    public void MessagePackLayer_DependsOnNothingElseInShared() =>
        AssertHolds(Types.InAssembly(s_shared).That().ResideInNamespace("ProcessFarm.Shared.MessagePack")
            .ShouldNot().HaveDependencyOnAny(OtherSharedNamespaces("ProcessFarm.Shared.MessagePack")));

    [Fact]
    public void SharedMemory_DoesNotDependOnTheProtocol() =>
        AssertHolds(Types.InAssembly(s_shared).That().ResideInNamespace("ProcessFarm.Shared.SharedMemory")
            .ShouldNot().HaveDependencyOn("ProcessFarm.Shared.Protocol"));

    [Fact]
    public void OnlyTheCommandLine_KnowsTheCommandLine() =>
        AssertHolds(Types.InAssembly(s_coordinator).That().DoNotResideInNamespace("ProcessFarm.Coordinator.Cli")
            .And().DoNotHaveName("Program").And().DoNotHaveNameStartingWith("<")
            .ShouldNot().HaveDependencyOn("ProcessFarm.Coordinator.Cli"));

    [Fact]
    public void WorkersAndExecution_DoNotKnowCommands() =>
        AssertHolds(Types.InAssembly(s_coordinator).That().ResideInNamespace("ProcessFarm.Coordinator.Workers")
            .Or().ResideInNamespace("ProcessFarm.Coordinator.Execution")
            .ShouldNot().HaveDependencyOnAny("ProcessFarm.Coordinator.Cli", "ProcessFarm.Coordinator.Processing", "ProcessFarm.Coordinator.Serve", "ProcessFarm.Coordinator.Echo"));

    [Fact]
    public void OnlyTheCodecSeam_KnowsImageSharp()
    {
        // ImageSharp stays behind shared/Imaging/Internal: everything else sees IImageReader and IImageWriter.
        AssertHolds(Types.InAssembly(s_shared).That().DoNotResideInNamespace("ProcessFarm.Shared.Imaging.Internal")
            .ShouldNot().HaveDependencyOn("SixLabors.ImageSharp"));
        AssertHolds(Types.InAssembly(s_coordinator).ShouldNot().HaveDependencyOn("SixLabors.ImageSharp"));
        AssertHolds(Types.InAssembly(s_worker).ShouldNot().HaveDependencyOn("SixLabors.ImageSharp"));
    }

    [Fact]
    public void OnlySharedNative_CallsNativeCode() =>
        AssertHolds(Types.InAssembly(s_shared).That().DoNotResideInNamespace("ProcessFarm.Shared.Native")
            .ShouldNot().HaveDependencyOn("ProcessFarm.Shared.Native.Interop"));

    [Fact]
    public void EveryNativeImport_LivesInSharedNative()
    {
        var imports = NativeImports(s_shared).ToList();
        Assert.NotEmpty(imports);
        Assert.All(imports, m => Assert.Equal("ProcessFarm.Shared.Native", m.DeclaringType!.Namespace));
    }

    [Fact]
    public void NeitherProgram_DeclaresNativeImports()
    {
        Assert.Empty(NativeImports(s_coordinator));
        Assert.Empty(NativeImports(s_worker));
    }

    [Fact]
    public void SharedMemoryHeader_IsPinnedAt64Bytes()
    {
        Assert.Equal(64, System.Runtime.CompilerServices.Unsafe.SizeOf<Shared.SharedMemory.RegionHeader>());
        Assert.Equal(16, Marshal.OffsetOf<Shared.SharedMemory.RegionHeader>(nameof(Shared.SharedMemory.RegionHeader.TotalBytes)).ToInt32());
        Assert.Equal(24, Marshal.OffsetOf<Shared.SharedMemory.RegionHeader>(nameof(Shared.SharedMemory.RegionHeader.DataOffset)).ToInt32());
        Assert.Equal(32, Marshal.OffsetOf<Shared.SharedMemory.RegionHeader>(nameof(Shared.SharedMemory.RegionHeader.DataBytes)).ToInt32());
    }

    private static string[] OtherSharedNamespaces(string except) =>
        [.. s_shared.GetTypes().Select(t => t.Namespace).OfType<string>().Where(n => n.StartsWith("ProcessFarm.Shared.", StringComparison.Ordinal) && n != except).Distinct()];

    private static void AssertHolds(ConditionList rule)
    {
        var result = rule.GetResult();
        Assert.True(result.IsSuccessful, "breaks the rule: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    /// <summary>Methods with a P/Invoke behind them: the generated stubs of [LibraryImport] and any [DllImport].</summary>
    private static IEnumerable<MethodInfo> NativeImports(Assembly assembly) =>
        assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(m => m.GetCustomAttribute<LibraryImportAttribute>() is not null || (m.Attributes & MethodAttributes.PinvokeImpl) != 0)
            .Where(m => m.DeclaringType!.Namespace is not null && !m.DeclaringType.Namespace.StartsWith("System", StringComparison.Ordinal));
}
