/**
 * Every exported symbol of the library has TSDoc, and every optional property says its
 * default (`@default`), as the project's standards ask.
 */
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');

function sourceFiles(): ts.SourceFile[] {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
  program.getTypeChecker(); // binds the files, which attaches JSDoc to nodes
  return program.getSourceFiles().filter((f) => f.fileName.startsWith(path.join(ROOT, 'lib')) && !f.isDeclarationFile);
}

function hasDoc(node: ts.Node): boolean {
  return ts.getJSDocCommentsAndTags(node).length > 0;
}

function isExported(node: ts.Node): boolean {
  return (ts.getCombinedModifierFlags(node as ts.Declaration) & ts.ModifierFlags.Export) !== 0;
}

function where(f: ts.SourceFile, n: ts.Node): string {
  const { line } = f.getLineAndCharacterOfPosition(n.getStart(f));
  return `${path.relative(ROOT, f.fileName)}:${line + 1}`;
}

describe('TSDoc', () => {
  const files = sourceFiles();
  const undocumented: string[] = [];
  const noDefault: string[] = [];

  for (const f of files) {
    const visitMembers = (members: ts.NodeArray<ts.Node>, owner: string) => {
      for (const m of members) {
        if (ts.isConstructorDeclaration(m)) continue;
        const mods = ts.canHaveModifiers(m) ? ts.getModifiers(m) ?? [] : [];
        if (mods.some((x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.ProtectedKeyword)) continue;
        const name = (m as { name?: ts.Node }).name;
        if (name && ts.isPrivateIdentifier(name)) continue;
        const label = `${owner}.${name ? name.getText(f) : '?'}`;
        if (!hasDoc(m)) undocumented.push(`${where(f, m)} ${label}`);
        if (ts.isPropertySignature(m) && m.questionToken && !ts.getJSDocTags(m).some((t) => t.tagName.text === 'default')) {
          noDefault.push(`${where(f, m)} ${label}`);
        }
      }
    };
    f.forEachChild((node) => {
      if (!isExported(node)) return;
      if (ts.isVariableStatement(node)) {
        if (!hasDoc(node)) undocumented.push(`${where(f, node)} ${node.declarationList.declarations.map((d) => d.name.getText(f)).join(',')}`);
        return;
      }
      if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isEnumDeclaration(node)) {
        const name = node.name?.getText(f) ?? 'default';
        if (!hasDoc(node)) undocumented.push(`${where(f, node)} ${name}`);
        if (ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) visitMembers(node.members, name);
        if (ts.isEnumDeclaration(node)) visitMembers(node.members, name);
      }
    });
  }

  test('every exported symbol and public member has a TSDoc comment', () => {
    expect(undocumented).toEqual([]);
  });

  test('every optional property documents its default', () => {
    expect(noDefault).toEqual([]);
  });
});
