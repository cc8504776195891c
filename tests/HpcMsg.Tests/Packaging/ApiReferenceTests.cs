using HpcMsg.Tests.Infrastructure;
using Xunit.Abstractions;

namespace HpcMsg.Tests.Packaging;

/// <summary>The API reference builds from the XML docs with DocFX (the local tool of
/// dotnet-tools.json), with every warning (a broken link or reference) an error, and has a page for
/// each public type of the API contract.</summary>
[Collection(JobsCollection.Name)] // it builds src/HpcMsg in Release, as the package test does
public sealed class ApiReferenceTests(ITestOutputHelper log)
{
    [Fact]
    public void The_API_reference_builds_without_warnings_and_documents_the_public_types()
    {
        string root = RepositoryRoot.Path;
        string site = Path.Combine(root, "docs", "api", "_site");
        if (Directory.Exists(site)) Directory.Delete(site, recursive: true);

        DotnetCommand.Run(log, root, "tool", "restore");
        DotnetCommand.Run(log, root, "docfx", "docs/api/docfx.json", "--warningsAsErrors");

        foreach (string type in new[] { "Communicator", "Request", "RequestAwaiter", "Status", "Op", "ReduceFunc-1", "HpcMsgException", "MessageTruncatedException", "RankFailedException", "JobAbortedException" })
        {
            string page = Path.Combine(site, "reference", $"HpcMsg.{type}.html");
            Assert.True(File.Exists(page), $"the API reference has no page for HpcMsg.{type} ({page})");
        }
        string communicator = File.ReadAllText(Path.Combine(site, "reference", "HpcMsg.Communicator.html"));
        Assert.Contains("Joins the job", communicator, StringComparison.Ordinal);
    }
}
