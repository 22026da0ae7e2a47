import Nav from './nav';
import './globals.css';

export const metadata = {
  title: 'Next MySQL',
  description: 'Sample app: Next.js standalone with Socket.IO, MySQL and Redis',
  icons: { icon: '/favicon.svg' },
};

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>
        <Nav />
        <main>{children}</main>
      </body>
    </html>
  );
}
